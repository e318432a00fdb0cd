# The public tests' options and fixtures (--impl, the impl fixture, exercise markers).
pytest_plugins = ("autograder.pytest_plugin",)
