"""The application core of miaopi: domain, use cases and ports.

Nothing in this package imports Flask, werkzeug, marshmallow or an edge package;
``tests/test_architecture.py`` enforces that.
"""

__version__ = "0.1.0"
