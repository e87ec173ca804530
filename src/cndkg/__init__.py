"""cndkg: a knowledge graph of UN Commission on Narcotic Drugs resolutions."""

from cndkg.api import Dataset, build_graph, parse, publish, resolve, validate
from cndkg.version import __version__

__all__ = ["Dataset", "__version__", "build_graph", "parse", "publish", "resolve", "validate"]
