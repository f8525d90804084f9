"""Where things are kept: paths, settings, the local SQLite store."""
