"""The query library: ``src/cndkg/queries/*.rq``, each documented by its header comments.

A query file starts with comment lines::

    # title: Who recalls a resolution
    # question: Which paragraphs recall a given resolution ...?
    # param: target = https://w3id.org/cndkg/id/res/cnd/61/11

``param`` lines name the variables a user may bind (``--param target=...``)
and their defaults. Parameters are bound as RDF terms (see :mod:`binding`),
never spliced into the query text as raw strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cndkg.errors import CndkgError

LIBRARY = Path(__file__).resolve().parent.parent / "queries"
_HEADER = re.compile(r"^#\s*(?P<key>title|question|param)\s*:\s*(?P<value>.+?)\s*$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?:=\s*(?P<default>\S+))?$")


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """One documented query of the library."""

    name: str
    title: str
    question: str
    params: tuple[tuple[str, str | None], ...]
    text: str


def parse_library_file(path: Path) -> LibraryQuery:
    """Read one ``.rq`` file with its header; raise CndkgError naming the file for a bad header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[tuple[str, str | None]] = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not match:
            if line.strip() and not line.startswith("#"):
                break
            continue
        if match.group("key") == "param":
            param = _PARAM.match(match.group("value"))
            if not param:
                raise CndkgError(f"{path.name}: malformed param line: {line!r}")
            params.append((param.group("name"), param.group("default")))
        else:
            fields[match.group("key")] = match.group("value")
    if "title" not in fields or "question" not in fields:
        raise CndkgError(f"{path.name}: a library query needs '# title:' and '# question:' lines")
    return LibraryQuery(path.stem, fields["title"], fields["question"], tuple(params), text)


@lru_cache(maxsize=1)
def load_library() -> dict[str, LibraryQuery]:
    """Return every library query by name (the file name without ``.rq``)."""
    return {path.stem: parse_library_file(path) for path in sorted(LIBRARY.glob("*.rq"))}
