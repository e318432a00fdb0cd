"""Your exercises. Replace each ``raise NotImplementedError(...)`` with your code.

Test your work with ``deepgrade check`` or ``pytest`` (both test this folder by default).
"""
