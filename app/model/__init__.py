"""Values and pure functions: no Qt, no I/O beyond reading small text files."""
