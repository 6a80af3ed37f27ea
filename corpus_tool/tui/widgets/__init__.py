"""The TUI's widgets: each posts small messages its screen handles with ``@on``."""
