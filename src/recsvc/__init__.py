"""recsvc: recommendation engine for workplace learning."""

__all__ = ["__version__"]

__version__ = "0.1.0"
