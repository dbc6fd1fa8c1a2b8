"""Monitoring: the same park judged year after year (the store, its summary, the changes between dates)."""
