"""The package version, in one place (the registry records it with every run)."""

__version__ = "0.1.0"
