"""drkit: offline tooling for the two-region e-commerce DR platform."""

__version__ = "0.1.0"
