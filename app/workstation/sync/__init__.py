"""HTTP client and sync engine: no Qt."""
