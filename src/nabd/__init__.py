"""nabd (نبض): an open-source, Arabic-first Customer Experience Management platform."""

__version__ = "0.1.0"
