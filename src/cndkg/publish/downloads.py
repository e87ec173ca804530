"""The downloads beside the RDF dumps: CSV tables and the GraphML citation network.

One registry of file name -> media type, shared by the build (which writes the
files and describes them in ``void.ttl``) and the home page (which lists them
with their sizes).

A rebuild writes them by delta (:mod:`cndkg.delta`): each row belongs to a
text's family, so only the families near the changed triples are read again,
from a small store; the other rows come from the previous build's files. The
network is the citation table summed up.
That needs the previous files to be the ones the previous build wrote with the
dump the change is measured against: the cache folder records their stamps
(``downloads.json``), and anything else makes the build compute every row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from cndkg.cache import cache_salt, write_record
from cndkg.delta import Nearby, RowsDelta
from cndkg.publish.atomic import file_stamp
from cndkg.publish.graphml import GRAPHML_FILE, GRAPHML_MEDIA_TYPE, write_graphml
from cndkg.publish.tables import CSV_FILES, CSV_MEDIA_TYPE, table_rows, write_tables

EXTRA_DOWNLOADS: dict[str, str] = {**dict.fromkeys(CSV_FILES, CSV_MEDIA_TYPE), GRAPHML_FILE: GRAPHML_MEDIA_TYPE}
"""File name -> media type of every download that is not an RDF dump."""

MEMO_FILE = "downloads.json"
_DUMP = "cndkg.nt"


def write_downloads(store: ox.Store, folder: Path, since: RowsDelta | None = None) -> dict[str, int]:
    """Write the CSV files and the GraphML network into ``folder`` (by delta with ``since``); return name -> size."""
    tables = table_rows(store, since)
    return {**write_tables(folder, tables), **write_graphml(store, folder, tables["citations.csv"])}


def memo_salt(base: str) -> str:
    """Return what, besides the graph, decides the downloads' bytes: the code and the base."""
    return cache_salt("downloads", base)


def rows_delta(cache: Path | None, previous: Path, salt: str, near: Callable[[], Nearby | None]) -> RowsDelta | None:
    """Return what writing the downloads by delta needs, or None when every row must be computed.

    Takes the cache folder, the previous output folder, the salt and a
    function giving the families near the change (:func:`cndkg.delta.nearby`;
    asked only when the record fits). None unless ``cache`` records that the
    previous folder's downloads were written with its dump under the same
    salt, and the change is narrow.
    """
    if cache is None or not _recorded(cache, previous, salt):
        return None
    found = near()
    return None if found is None else RowsDelta(previous, found.families, found.scoped)


def _recorded(cache: Path, previous: Path, salt: str) -> bool:
    """Return whether the record in ``cache`` vouches for the downloads in ``previous``."""
    try:
        stored = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))
        files = {str(name): tuple(stamp) for name, stamp in dict(stored["files"]).items()}
        fits = stored["salt"] == salt and stored["out"] == str(previous.resolve())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    names = (_DUMP, *EXTRA_DOWNLOADS)
    return fits and all(name in files and file_stamp(previous / name) == files[name] for name in names)


def save_memo(cache: Path, out: Path, salt: str) -> None:
    """Record the stamps of the downloads and the dump in ``out`` (after the output is in place)."""
    files = {name: file_stamp(out / name) for name in (_DUMP, *EXTRA_DOWNLOADS)}
    stored = {"salt": salt, "out": str(out.resolve()), "files": {k: list(v or ()) for k, v in files.items()}}
    complete = all(stamp is not None for stamp in files.values())
    write_record(cache / MEMO_FILE, json.dumps(stored).encode("utf-8") if complete else None)
