"""The terminal UI (Textual): a shell over the same core functions as the CLI."""
