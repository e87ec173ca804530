"""Entity pages of the last build reused when nothing they read has changed.

An entity page (its ``index.html`` and, for a text, ``data.akn.xml``) is a pure
function of the code, the templates, the base IRI and what its writers read from
:class:`~cndkg.publish.sitedata.SiteData`. So while a page is rendered, its
writers get a :func:`traced` view of the site data that notes every read (which
accessor, which arguments) and its result; the page's record is the list of reads
and a digest of their results. The next build replays each page's reads against
its own site data: when every read gives what it gave before (the same digest),
the page would come out byte for byte the same, and its files are hard-linked
from the previous output instead of rendered again (verifying traces with early
cutoff, as the build systems Shake and Salsa do).

A read that is not traced would make a stale page possible, so the traced view
overrides every accessor the page writers use, and a mapping it hands out notes
lookups, membership tests and whole iterations alike. The records are kept as
JSON in the build's cache folder (``site-pages.json``), with a salt covering the
package's code, the site's templates and static files and the base IRI; a
previous file is linked only when it has the size and modification time the
record says (the output folder was not changed since). The hard links are safe
because no build writes a published file in place: each writes a new folder and
swaps it in (:mod:`cndkg.publish.atomic`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from cndkg.cache import cache_salt, write_record
from cndkg.publish.atomic import file_stamp, keep_or_link
from cndkg.publish.sitedata import SiteData
from cndkg.resources import data_dir

MEMO_FILE = "site-pages.json"
MEMO_FORMAT = 4

Read = tuple[str, str, str]
"""One read: (accessor, first argument, second argument or "")."""

Value = TypeVar("Value")


class ReadLog:
    """The reads of one page, each with its first result, in the order first made."""

    def __init__(self) -> None:
        self.results: dict[Read, object] = {}

    def note(self, read: Read, result: Value) -> Value:
        """Note one read and its result; return the result."""
        self.results.setdefault(read, result)
        return result

    def digest(self) -> str:
        """Return the digest of every read with its result."""
        return digest_reads(self.results.items())


def digest_reads(reads: Iterable[tuple[Read, object]]) -> str:
    """Return a digest of reads and their results (reprs: dataclasses, strings, lists, RDF terms)."""
    return hashlib.blake2b(repr(list(reads)).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _LoggedDict(dict[str, Any]):
    """A copy of one of the site data's mappings whose every lookup is noted in a log."""

    def __init__(self, name: str, qualifier: str, contents: Mapping[str, Any], log: ReadLog) -> None:
        super().__init__(contents)
        self._name = name
        self._qualifier = qualifier
        self._log = log

    def get(self, key: str, default: Any = None) -> Any:
        value = self._log.note((f"{self._name}.get", key, self._qualifier), dict.get(self, key))
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self._log.note((f"{self._name}.get", key, self._qualifier), dict.get(self, key))
        if value is None:  # the site data's mappings never hold None
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self._log.note((f"{self._name}.in", str(key), self._qualifier), dict.__contains__(self, key))

    def _whole(self) -> None:
        self._log.note((f"{self._name}.items", "", self._qualifier), list(dict.items(self)))

    def __iter__(self) -> Iterator[str]:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)


@dataclass
class _TracedSiteData(SiteData):
    """Site data whose accessors and mappings note every read in ``log``.

    An accessor answers from the plain site data (``plain``), so a read it makes
    on its own behalf (``href`` asks ``page_of``) is not noted twice.
    """

    plain: SiteData | None = None
    log: ReadLog = field(default_factory=ReadLog)
    _traced_inverse: dict[str, _LoggedDict] = field(default_factory=dict)

    @property
    def _data(self) -> SiteData:
        assert self.plain is not None
        return self.plain

    def label(self, iri: str) -> str:
        return self.log.note(("label", iri, ""), self._data.label(iri))

    def kind(self, iri: str) -> str:
        return self.log.note(("kind", iri, ""), self._data.kind(iri))

    def first(self, iri: str, predicate: str) -> str | None:
        return self.log.note(("first", iri, predicate), self._data.first(iri, predicate))

    def all(self, iri: str, predicate: str) -> list[str]:
        return self.log.note(("all", iri, predicate), self._data.all(iri, predicate))

    def page_of(self, iri: str) -> str | None:
        return self.log.note(("page_of", iri, ""), self._data.page_of(iri))

    def href(self, from_path: str, iri: str) -> str | None:
        # A link is a function of the target's page: noting that read makes replaying it one lookup.
        self.page_of(iri)
        return self._data.href(from_path, iri)

    def members(self, class_iri: str) -> list[str]:
        return self.log.note(("members", class_iri, ""), self._data.members(class_iri))

    def inverse(self, predicate: str) -> dict[str, list[str]]:
        traced = self._traced_inverse.get(predicate)
        if traced is None:
            traced = _LoggedDict("inverse", predicate, self._data.inverse(predicate), self.log)
            self._traced_inverse[predicate] = traced
        return traced


_MAPPINGS = ("texts", "backlinks", "types")
"""The site data's mappings page writers may read directly (the rest only through accessors)."""


def traced(data: SiteData) -> _TracedSiteData:
    """Return a view of ``data`` that notes every read in its ``log`` (give it a new log per page).

    Made once per process and site data (its mappings are copies).
    """
    if _VIEW and _VIEW[0][0] is data:
        return _VIEW[0][1]
    view = _TracedSiteData(**{f.name: getattr(data, f.name) for f in fields(SiteData)}, plain=data)
    for name in _MAPPINGS:
        setattr(view, name, _LoggedDict(name, "", getattr(data, name), view.log))
    _VIEW[:] = [(data, view)]  # holding the data keeps its identity from being reused
    return view


_VIEW: list[tuple[SiteData, _TracedSiteData]] = []


def release_views() -> None:
    """Let go of the traced view this process made (and of the site data it holds)."""
    _VIEW.clear()


def start_page(view: _TracedSiteData) -> ReadLog:
    """Give the traced view (and its mappings) a fresh log for the next page; return it."""
    log = ReadLog()
    view.log = log
    for name in _MAPPINGS:
        getattr(view, name)._log = log
    for mapping in view._traced_inverse.values():
        mapping._log = log
    return log


def _mapping(data: SiteData, name: str, qualifier: str) -> Mapping[str, Any]:
    """Return the mapping a dict read named (``texts``, ``backlinks``, ``types`` or one inverse index)."""
    if name == "inverse":
        return data.inverse(qualifier)
    mapping: Mapping[str, Any] = getattr(data, name)
    return mapping


_ACCESSORS: dict[str, Callable[[SiteData, str, str], object]] = {
    "label": lambda data, a, _: data.label(a),
    "kind": lambda data, a, _: data.kind(a),
    "first": lambda data, a, b: data.first(a, b),
    "all": lambda data, a, b: data.all(a, b),
    "page_of": lambda data, a, _: data.page_of(a),
    "href": lambda data, a, b: data.href(a, b),
    "members": lambda data, a, _: data.members(a),
}


def replay(data: SiteData, read: Read) -> object:
    """Return what one read gives on ``data`` (as the traced view noted it)."""
    name, first, second = read
    accessor = _ACCESSORS.get(name)
    if accessor is not None:
        return accessor(data, first, second)
    mapping_name, _, operation = name.partition(".")
    if mapping_name not in (*_MAPPINGS, "inverse"):
        raise ValueError(f"unknown read in a page record: {name!r}")
    mapping = _mapping(data, mapping_name, second)
    if operation == "get":
        return mapping.get(first)
    if operation == "in":
        return first in mapping
    if operation == "items":
        return list(mapping.items())
    raise ValueError(f"unknown read in a page record: {name!r}")


@dataclass(frozen=True)
class PageRecord:
    """What one entity page read (packed: :func:`pack_reads`), the digest of the results, its files' (size, mtime).

    ``searched`` is the digest of what the search index reads of the page
    (:func:`cndkg.publish.search.searched_digest`), which a kept page keeps.
    """

    iri: str
    digest: str
    reads: str
    files: tuple[tuple[str, int, int], ...]
    searched: str


_FIELD, _READ = "\x1f", "\x1e"
"""Separators of a packed read list (ASCII unit and record separators, which no IRI or path holds)."""


def pack_reads(reads: Iterable[Read]) -> str | None:
    """Return reads as one string, or None if an argument holds a separator (that page is then never reused).

    One string per page keeps the records quick to store and load: a page reads
    about a hundred things, a corpus of 1,000 texts has 2,600 pages.
    """
    reads = list(reads)
    if any(_FIELD in part or _READ in part for read in reads for part in read):
        return None
    return _READ.join(_FIELD.join(read) for read in reads)


def unpack_reads(packed: str) -> Iterator[Read]:
    """Yield the reads of a packed read list."""
    if not packed:
        return
    for read in packed.split(_READ):
        name, first, second = read.split(_FIELD)
        yield name, first, second


def record_files(folder: Path, path: str, names: Iterable[str]) -> tuple[tuple[str, int, int], ...]:
    """Return (name, size, mtime_ns) of a page's files as written under ``folder``."""
    return tuple((name, *(file_stamp(folder / path / name) or (-1, -1))) for name in names)


@dataclass
class PageMemo:
    """The previous build's page records, and where its output is."""

    salt: str
    previous: Path | None
    records: dict[str, PageRecord] = field(default_factory=dict)

    def reuse(self, data: SiteData, iri: str, path: str, folder: Path) -> PageRecord | None:
        """Link the page's files from the previous output into ``folder`` if nothing it read changed.

        Returns the page's record (unchanged: the links are the same files) or
        None when the page must be rendered.
        """
        record = self.records.get(path)
        if record is None or record.iri != iri or self.previous is None:
            return None
        sources = [self.previous / path / name for name, _, _ in record.files]
        # The cheap check first: a previous file changed or gone since.
        if any(
            file_stamp(source) != (size, mtime) for source, (_, size, mtime) in zip(sources, record.files, strict=True)
        ):
            return None
        try:
            replayed = digest_reads((read, replay(data, read)) for read in unpack_reads(record.reads))
        except (ValueError, TypeError, KeyError):  # a damaged record: render the page
            return None
        if replayed != record.digest:
            return None
        (folder / path).mkdir(parents=True, exist_ok=True)
        for source, (name, _, _) in zip(sources, record.files, strict=True):
            keep_or_link(source, folder / path / name)
        return record


def memo_salt(base: str) -> str:
    """Return the salt of page records: the package's code, the site's templates and static files, the base IRI."""
    site = data_dir("site")
    files = sorted(p for p in site.rglob("*") if p.is_file())
    digest = hashlib.blake2b(digest_size=16)
    for path in files:
        digest.update(path.relative_to(site).as_posix().encode())
        digest.update(path.read_bytes())
    return cache_salt("site pages", MEMO_FORMAT, base, digest.hexdigest())


def load_memo(cache: Path | None, out: Path, base: str) -> PageMemo | None:
    """Return the page records the last build into ``out`` left in ``cache`` (empty when none fit; None: no cache).

    Records made with other code, templates, base or output folder are not used;
    an unreadable or malformed file counts as none (it is only a cache).
    """
    if cache is None:
        return None
    salt = memo_salt(base)
    memo = PageMemo(salt, out if out.is_dir() else None)
    try:
        stored = json.loads((cache / MEMO_FILE).read_text(encoding="utf-8"))
        if stored.get("salt") != salt or stored.get("out") != str(out.resolve()):
            return memo
        for path, (iri, digest, reads, files, searched) in stored["pages"].items():
            if not all(isinstance(text, str) for text in (path, iri, digest, reads, searched)):
                raise TypeError("a page record holds a non-string")
            stamps = tuple((str(name), int(size), int(mtime)) for name, size, mtime in files)
            memo.records[path] = PageRecord(iri, digest, reads, stamps, searched)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        memo.records.clear()
    return memo


def save_memo(cache: Path, out: Path, memo: PageMemo, records: Mapping[str, PageRecord]) -> None:
    """Write this build's page records into ``cache``."""
    pages = {
        path: [record.iri, record.digest, record.reads, [list(f) for f in record.files], record.searched]
        for path, record in sorted(records.items())
    }
    stored = {"salt": memo.salt, "out": str(out.resolve()), "pages": pages}
    write_record(cache / MEMO_FILE, json.dumps(stored, separators=(",", ":")).encode("utf-8"))
