"""Reference solutions: the single source of every exercise (instructors only)."""
