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
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cndkg import collector
from cndkg.cache import cache_salt
from cndkg.publish.atomic import file_stamp
from cndkg.publish.textview import TextView
from cndkg.rowcodec import row_decoder, to_row

VIEWS_FILE = "text-views.jsonl"
_DUMP = "cndkg.nt"


@dataclass(frozen=True)
class KeptViews:
    """The previous build's text views, by IRI in corpus order, and each one's line in the file (to copy it)."""

    views: dict[str, TextView]
    lines: dict[str, bytes]


def views_salt(base: str) -> str:
    """Return what, besides the graph, decides the texts' views: the code and the base."""
    return cache_salt("text views", base)


def load_views(cache: Path | None, previous: Path, salt: str) -> KeptViews | None:
    """Return the views the cache keeps for the output folder ``previous``; None unless they are its dump's.

    Takes the cache folder, the previous output folder and the salt.
    """
    if cache is None:
        return None
    try:
        with open(cache / VIEWS_FILE, "rb") as file:
            header = json.loads(file.readline())
            stamp = file_stamp(previous / _DUMP)
            fits = header["salt"] == salt and header["out"] == str(previous.resolve())
            if not fits or stamp is None or list(stamp) != header["stamp"]:
                return None
            with collector.paused():  # a million long-lived objects at 10,000 texts
                return _read_views(file.read())
    except (OSError, ValueError, KeyError, TypeError, IndexError, MemoryError):
        return None


def _read_views(data: bytes) -> KeptViews:
    """Decode the lines after the header (ShapeError, a ValueError, when one is not a view)."""
    decode = row_decoder(TextView)
    views: dict[str, TextView] = {}
    lines: dict[str, bytes] = {}
    for line in data.splitlines():
        iri, row = json.loads(line)
        if type(iri) is not str:
            raise TypeError("a text's IRI must be a string")
        views[iri], lines[iri] = decode(row), line
    return KeptViews(views, lines)


def save_views(cache: Path, out: Path, salt: str, views: Mapping[str, TextView], kept: KeptViews | None) -> None:
    """Keep the views of the output in ``out`` (after it is in place); a view that ``kept`` holds is copied.

    A file that cannot be written is removed: it must not vouch for this build.
    """
    target = cache / VIEWS_FILE
    stamp = file_stamp(out / _DUMP)
    header = {"salt": salt, "out": str(out.resolve()), "stamp": list(stamp or ())}
    temporary = None
    try:
        if stamp is None:
            raise FileNotFoundError(out / _DUMP)
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache, prefix=".tmp-")
        with os.fdopen(handle, "wb") as file:
            file.write(json.dumps(header).encode("utf-8") + b"\n")
            for iri, view in views.items():
                file.write(_line(iri, view, kept) + b"\n")
        os.replace(temporary, target)
        temporary = None
    except OSError:
        discard_views(cache)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                Path(temporary).unlink(missing_ok=True)


def discard_views(cache: Path) -> None:
    """Remove the kept views (a build without a site keeps none)."""
    with contextlib.suppress(OSError):
        (cache / VIEWS_FILE).unlink(missing_ok=True)


def _line(iri: str, view: TextView, kept: KeptViews | None) -> bytes:
    """Return a view's line: the kept one when the view is the one read from it, else encoded."""
    if kept is not None and kept.views.get(iri) is view:
        return kept.lines[iri]
    return json.dumps([iri, to_row(view)]).encode("ascii")  # escaped: a lone surrogate in a source survives
