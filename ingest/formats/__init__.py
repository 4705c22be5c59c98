"""Format parsers: each module turns one file format into a ParsedBody (see ingest/loader.py PARSERS)."""
