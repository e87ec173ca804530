"""The downloads beside the RDF dumps: CSV tables and the GraphML citation network.

One registry of file name -> media type, shared by the build (which writes the
files and describes them in ``void.ttl``) and the home page (which lists them
with their sizes).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cndkg.publish.graphml import GRAPHML_FILE, GRAPHML_MEDIA_TYPE, write_graphml
from cndkg.publish.tables import CSV_FILES, CSV_MEDIA_TYPE, write_tables

EXTRA_DOWNLOADS: dict[str, str] = {**dict.fromkeys(CSV_FILES, CSV_MEDIA_TYPE), GRAPHML_FILE: GRAPHML_MEDIA_TYPE}
"""File name -> media type of every download that is not an RDF dump."""


def write_downloads(store: ox.Store, folder: Path) -> dict[str, int]:
    """Write the CSV files and the GraphML network into ``folder``; return name -> size in bytes."""
    return {**write_tables(store, folder), **write_graphml(store, folder)}
