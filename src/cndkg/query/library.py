"""The query library: ``src/cndkg/queries/*.rq``, each documented by its header comments.

A query file starts with comment lines::

    # title: Who recalls a resolution
    # question: Which paragraphs recall a given resolution ...?
    # param: target = https://w3id.org/cndkg/id/res/cnd/61/11

``param`` lines name the variables a user may bind (``--param target=...``)
and their defaults. Parameters are bound as RDF terms (see :mod:`binding`),
never spliced into the query text as raw strings.

A default may be followed by the value's kind in parentheses::

    # param: session = 67 (integer or all)

``(integer)`` takes only a whole number (bound as an ``xsd:integer``);
``(integer or all)`` also takes the word ``all``, which leaves the variable
unbound so the query answers for every value. Two names are reserved for
paging: ``# param: limit = 100`` and ``# param: offset = 0`` set the query's
final ``LIMIT`` and ``OFFSET`` (whole numbers, validated and capped; see
:func:`cndkg.query.binding.page`) rather than binding a variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cndkg.errors import CndkgError

LIBRARY = Path(__file__).resolve().parent.parent / "queries"
_HEADER = re.compile(r"^#\s*(?P<key>title|question|param)\s*:\s*(?P<value>.+?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*(?:=\s*(?P<default>[^\s(]\S*))?(?:\s+\((?P<kind>integer(?: or all)?)\))?$"
)
PAGING = ("limit", "offset")
"""Parameter names that set the query's final LIMIT and OFFSET instead of binding a variable."""


@dataclass(frozen=True, slots=True)
class Param:
    """One ``# param:`` line: the variable's name, its default and the kind of value it takes."""

    name: str
    default: str | None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """One documented query of the library."""

    name: str
    title: str
    question: str
    params: tuple[tuple[str, str | None], ...]
    text: str
    kinds: tuple[tuple[str, str], ...] = ()

    @property
    def paged(self) -> bool:
        """True when the query takes ``limit`` and ``offset`` parameters."""
        return any(name in PAGING for name, _ in self.params)


def _header(text: str) -> list[tuple[str, str, str]]:
    """Return (key, value, line) of the ``# title|question|param:`` lines before the query's first other line."""
    found: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            found.append((match.group("key"), match.group("value"), line))
        elif line.strip() and not line.startswith("#"):
            break
    return found


def declared_params(text: str, where: str = "query") -> list[Param]:
    """Return the ``# param:`` lines of a query's header.

    Raises CndkgError naming ``where`` for a malformed line.
    """
    params: list[Param] = []
    for key, value, line in _header(text):
        if key == "param":
            param = _PARAM.match(value)
            if not param:
                raise CndkgError(f"{where}: malformed param line: {line!r}")
            params.append(Param(param.group("name"), param.group("default"), param.group("kind")))
    return params


def parse_library_file(path: Path) -> LibraryQuery:
    """Read one ``.rq`` file with its header; raise CndkgError naming the file for a bad header."""
    text = path.read_text(encoding="utf-8")
    params = declared_params(text, path.name)
    fields = {key: value for key, value, _ in _header(text) if key != "param"}
    if "title" not in fields or "question" not in fields:
        raise CndkgError(f"{path.name}: a library query needs '# title:' and '# question:' lines")
    for param in params:
        if param.name in PAGING and not re.fullmatch(r"[0-9]+", param.default or ""):
            raise CndkgError(f"{path.name}: the paging parameter {param.name!r} needs a whole-number default")
    return LibraryQuery(
        path.stem,
        fields["title"],
        fields["question"],
        tuple((param.name, param.default) for param in params),
        text,
        tuple((param.name, param.kind) for param in params if param.kind),
    )


@lru_cache(maxsize=1)
def load_library() -> dict[str, LibraryQuery]:
    """Return every library query by name (the file name without ``.rq``)."""
    return {path.stem: parse_library_file(path) for path in sorted(LIBRARY.glob("*.rq"))}
