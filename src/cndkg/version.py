"""The version of cndkg (its own module, so every module can read it without importing the package API)."""

__version__ = "0.1.0"
