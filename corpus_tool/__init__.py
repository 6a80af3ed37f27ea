"""corpus_tool: ingest, search, tag, annotate and export AI-regulation texts."""

__version__ = "0.1.0"
