"""The texts' views of the last build, kept in the cache folder so that a rebuild reads again only a few.

Reading every text's view out of the store (:func:`cndkg.publish.textview.read_texts`)
was most of gathering the site's data (1.7 of 2.0 s at 1,000 texts), on every
build. The build keeps the views it published in the cache folder
(``text-views.jsonl``: one line per text, its IRI and its view as a positional
row, :mod:`cndkg.rowcodec`), under a header naming the salt (the code and the
base), the output folder and the stamp of that output's sorted dump. A rebuild
whose previous output is still that one reads them back, and reads again from
the store only the texts near what changed since that dump
(:func:`cndkg.publish.textview.patch_texts`); anything else (another salt,
another or a touched dump, a damaged file) makes it read every text.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cndkg import collector
from cndkg.cache import cache_salt, write_record
from cndkg.publish.atomic import file_stamp
from cndkg.publish.textview import TextView
from cndkg.rowcodec import row_decoder, to_row

VIEWS_FILE = "text-views.jsonl"
_DUMP = "cndkg.nt"


@dataclass(frozen=True)
class KeptViews:
    """The previous build's text views, by IRI in corpus order, and where each one's line is in the file.

    The lines are copied from the file when the views are kept again, not
    held in memory meanwhile (about 150 MB at 10,000 texts).
    """

    views: dict[str, TextView]
    spans: dict[str, tuple[int, int]]
    path: Path


def views_salt(base: str) -> str:
    """Return what, besides the graph, decides the texts' views: the code and the base."""
    return cache_salt("text views", base)


def vouched(cache: Path | None, previous: Path, salt: str) -> bool:
    """Return whether the cache keeps views for the output folder ``previous`` (made from its dump, by this code)."""
    if cache is None:
        return False
    try:
        with open(cache / VIEWS_FILE, "rb") as file:
            return _fits(file.readline(), previous, salt)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _fits(header_line: bytes, previous: Path, salt: str) -> bool:
    """Return whether a views file's header names this salt, the folder ``previous`` and its dump's stamp."""
    header = json.loads(header_line)
    stamp = file_stamp(previous / _DUMP)
    fits = header["salt"] == salt and header["out"] == str(previous.resolve())
    return bool(fits and stamp is not None and list(stamp) == header["stamp"])


def load_views(cache: Path | None, previous: Path, salt: str) -> KeptViews | None:
    """Return the views the cache keeps for the output folder ``previous``; None unless :func:`vouched`.

    Takes the cache folder, the previous output folder and the salt. A file
    that does not decode (damaged, cut short) gives None too.
    """
    if cache is None:
        return None
    path = cache / VIEWS_FILE
    try:
        with open(path, "rb") as file:
            header = file.readline()
            if not _fits(header, previous, salt):
                return None
            with collector.paused():  # a million long-lived objects at 10,000 texts
                return _read_views(file.read(), len(header), path)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _read_views(data: bytes, offset: int, path: Path) -> KeptViews:
    """Decode the lines after the header, which ends at ``offset`` (ShapeError, a ValueError, when one is no view)."""
    decode = row_decoder(TextView)
    views: dict[str, TextView] = {}
    spans: dict[str, tuple[int, int]] = {}
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            raise ValueError("the last line is cut short")
        iri, row = json.loads(data[start:end])
        if type(iri) is not str:
            raise TypeError("a text's IRI must be a string")
        views[iri], spans[iri] = decode(row), (offset + start, offset + end + 1)
        start = end + 1
    return KeptViews(views, spans, path)


def save_views(cache: Path, out: Path, salt: str, views: Mapping[str, TextView], kept: KeptViews | None) -> None:
    """Keep the views of the output in ``out`` (after it is in place); a view that ``kept`` holds is copied.

    A file that cannot be written is removed: it must not vouch for this build.
    """
    stamp = file_stamp(out / _DUMP)
    header = {"salt": salt, "out": str(out.resolve()), "stamp": list(stamp or ())}
    with contextlib.ExitStack() as held:
        previous = held.enter_context(open(kept.path, "rb")) if kept is not None and kept.path.is_file() else None
        pieces = itertools.chain([json.dumps(header).encode("utf-8") + b"\n"], _lines(views, kept, previous))
        write_record(cache / VIEWS_FILE, pieces if stamp is not None else None)


def discard_views(cache: Path) -> None:
    """Remove the kept views (a build without a site keeps none)."""
    write_record(cache / VIEWS_FILE, None)


def _lines(views: Mapping[str, TextView], kept: KeptViews | None, previous: BinaryIO | None) -> Iterator[bytes]:
    """Yield each view's line: copied from the previous file when the view is the one read from it, else encoded."""
    for iri, view in views.items():
        if kept is not None and previous is not None and kept.views.get(iri) is view:
            start, end = kept.spans[iri]
            previous.seek(start)
            yield previous.read(end - start)
        else:
            yield json.dumps([iri, to_row(view)]).encode("ascii") + b"\n"  # escaped: a lone surrogate survives
