"""Ingest documents into clean, page-mapped text (issue 2)."""
