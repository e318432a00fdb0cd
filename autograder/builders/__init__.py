"""Builders: everything derived from solutions/ (stubs now; notebooks and releases later)."""
