"""cndkg: a knowledge graph of UN Commission on Narcotic Drugs resolutions."""

__version__ = "0.1.0"
