"""A cache of the per-file stages (read, segment, find), keyed by a hash of each source's bytes.

An entry holds what those stages made of one file: its resolutions, their
mentions and its diagnostics. The key also covers everything else the result
depends on (the name the file is reported under, the encoding option, the
reference names and lexicon, and the code of the cndkg package), so a hit is
always what a fresh parse would give.

Entries are JSON, written atomically and read back by a codec that builds only
the dataclasses, enums and plain values the expected type names: reading an
entry can never run code (unlike a pickle, which can run anything). An entry
that cannot be read or decoded for any reason (a folder in its place, damaged or
foreign bytes, the wrong shape, too little memory) counts as a miss. By default
the cache lives in the user's cache folder (``$XDG_CACHE_HOME/cndkg``, else
``~/.cache/cndkg``), never in a folder found among the sources.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from cndkg.resources import data_dir
from cndkg.version import __version__

CACHE_FORMAT = 2
_KEY = re.compile(r"[0-9a-f]{40}")
_SUFFIX = ".json"
# The Cache Directory Tagging Specification: backup tools skip a folder holding this file.
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# cndkg's parse cache; safe to delete.\n"

T = TypeVar("T")


class ShapeError(ValueError):
    """Stored JSON that does not have the shape of the type it should decode to."""


@dataclass(frozen=True, slots=True)
class ParseCache:
    """A folder of cached per-file results, and the salt every key of this build includes."""

    folder: Path
    salt: str
    decoded: dict[str, object] | None = None
    """Results already decoded, by key, kept across builds in one process (``serve --watch``); None: none kept."""

    def recall(self, key: str) -> object | None:
        """Return a result this process already decoded or stored under ``key``, if results are kept."""
        return self.decoded.get(key) if self.decoded is not None else None

    def keep(self, key: str, result: object) -> None:
        """Keep a decoded result in this process for the next build (when results are kept)."""
        if self.decoded is not None:
            self.decoded[key] = result

    def key(self, name: str, data: bytes) -> str:
        """Return the key of a source: a hash of the salt, its reported name and its bytes."""
        digest = hashlib.blake2b(digest_size=20)
        for part in (self.salt.encode(), name.encode("utf-8", "surrogateescape"), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()

    def load(self, key: str, kind: type[T]) -> T | None:
        """Return the cached result of a key as a ``kind``, or None when absent or unreadable."""
        data = self.load_bytes(key)
        return None if data is None else self.decode(data, kind)

    def load_bytes(self, key: str) -> bytes | None:
        """Return a key's entry as stored (JSON), or None when absent or unreadable."""
        try:
            return self._path(key).read_bytes()
        except (OSError, MemoryError):  # a folder in the entry's place, no permission, too large ...
            return None

    @staticmethod
    def decode(data: bytes, kind: type[T]) -> T | None:
        """Return an entry's result from its stored bytes, or None when they do not decode to a ``kind``."""
        try:
            return from_json(json.loads(data), kind)
        except (ValueError, TypeError, KeyError, RecursionError, MemoryError):
            return None  # damaged, foreign or outdated bytes: a miss, never a failed build

    def save(self, key: str, result: object) -> None:
        """Store a result under a key (written to a temporary file, then renamed into place).

        A cache that cannot be written (a full disk, a folder in the entry's place) is not an error:
        the entry is skipped, and the build goes on.
        """
        path = self._path(key)
        # ASCII with \u escapes: lone surrogates (which no UTF-8 writer takes) come back as they went in
        data = json.dumps(to_json(result), ensure_ascii=True, separators=(",", ":")).encode("ascii")
        try:
            if not (self.folder / "CACHEDIR.TAG").exists():
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                (self.folder / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")
        except OSError:
            return
        write_entry(path, data)

    def prune(self, keep: set[str]) -> int:
        """Delete every entry whose key is not in ``keep``; return how many were deleted."""
        if self.decoded is not None:
            for key in set(self.decoded) - keep:
                del self.decoded[key]
        return prune_entries(self.folder, _SUFFIX, keep)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{_SUFFIX}"


def default_cache_folder(sources: list[str] | None = None) -> Path:
    """Return the cache folder for a build of ``sources``: under ``$XDG_CACHE_HOME/cndkg`` (or ``~/.cache/cndkg``).

    Each set of source paths gets its own subfolder, so builds of different
    corpora do not prune each other's entries. The folder is never one found
    among the sources, whatever they hold.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    digest = hashlib.blake2b(digest_size=8)
    for source in sorted(str(Path(s).resolve()) for s in sources or []):
        digest.update(source.encode("utf-8", "surrogateescape") + b"\0")
    return root / "cndkg" / f"parse-{digest.hexdigest()}"


def write_entry(path: Path, data: bytes | Iterable[bytes]) -> bool:
    """Write a cache entry: to a temporary file beside it, then renamed into place; return whether it was.

    ``data``: the bytes, or pieces of them written one after the other. A
    cache that cannot be written (a full disk, a folder in the entry's place)
    is not an error: the entry is skipped, and the build goes on.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in [data] if isinstance(data, bytes) else data:
                out.write(piece)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return False
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def write_record(path: Path, data: bytes | Iterable[bytes] | None) -> None:
    """Write a record a later build trusts (what it may reuse), as :func:`write_entry` does.

    When there is nothing to record (``data`` is None) or it cannot be
    written, the older record is removed: it must not vouch for this build's files.
    """
    if data is None or not write_entry(path, data):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def prune_entries(folder: Path, suffix: str, keep: set[str]) -> int:
    """Delete the entries ``folder/<2 hex>/<40 hex><suffix>`` whose key is not in ``keep``; return how many.

    Only files a cache names (a hex key under its first two digits) are
    touched, whatever else the folder holds.
    """
    removed = 0
    for path in folder.glob(f"??/*{suffix}"):
        if _KEY.fullmatch(path.stem) and path.parent.name == path.stem[:2] and path.stem not in keep:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # e.g. a folder in an entry's place: not the cache's to delete
                continue
            removed += 1
    return removed


def cache_salt(*parts: object) -> str:
    """Return a salt covering the cache format, the running code and libraries, the reference data and ``parts``.

    The code is the package as this process loaded it (its files' digest taken
    once, at the first call), so a process that outlives an edit of cndkg's code
    (``serve --watch``) keeps salting what it runs, not what is on disk.
    """
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{CACHE_FORMAT} {__version__}".encode())
    digest.update(running_code())
    reference = data_dir("ontology")
    for path in sorted(p for p in reference.rglob("*") if p.is_file()):
        digest.update(path.relative_to(reference).as_posix().encode())
        digest.update(path.read_bytes())
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def running_code() -> bytes:
    """Return a digest of this package's code and of the Python and library versions it runs with (once a process).

    The libraries are cndkg's own requirements (not its test tools) and markupsafe, which escapes every page.
    """
    digest = hashlib.blake2b(digest_size=20)
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    try:
        declared = metadata.requires("cndkg") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        declared = []
    requirements = [r for r in declared if "extra == 'test'" not in r]
    names = {re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0] for r in requirements} | {"markupsafe"}
    for name in sorted(names):
        try:
            digest.update(f"{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            continue  # an optional extra that is not installed
    return digest.digest()


# --- a JSON codec for dataclasses, driven by their type hints ------------------------------------------


def to_json(value: object) -> Any:
    """Return a JSON-ready form of a value: dataclasses as objects of their fields, enums as their values.

    Tuples, lists, sets and frozensets become arrays (sets sorted, so equal
    values give equal text); dicts must have string keys.
    """
    if value is None or (isinstance(value, bool | int | float | str) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json(item) for item in value), key=repr)
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("only dicts with string keys can be cached")
        return {key: to_json(item) for key, item in value.items()}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def from_json(data: object, kind: type[T]) -> T:
    """Return ``data`` (parsed JSON) decoded as a ``kind``; raise ShapeError when it has another shape.

    Only what the type hints name is ever built: dataclasses (every field
    present, nothing else), enums (by value), tuples, lists, sets, frozensets,
    dicts with string keys, unions (``X | None``), str, int, float, bool, None.
    """
    return typing.cast(T, decoder(kind)(data))


Decoder = Callable[[object], Any]

_DECODERS: dict[tuple[Any, str], Decoder] = {}


def decoder(hint: Any) -> Decoder:
    """Return the decoder of a type hint, compiled once per hint (a rebuild decodes a million values).

    Reading the type hints once per hint instead of once per value made
    decoding a 1,000-text cache about three times faster.
    """
    # The repr is part of the key: ``int | float`` and ``float | int`` are equal, but try their arms in order.
    key = (hint, repr(hint))
    found = _DECODERS.get(key)
    if found is None:
        found = _DECODERS[key] = _compile(hint)
    return found


def _compile(hint: Any) -> Decoder:
    """Return a function decoding parsed JSON as ``hint`` (see :func:`from_json`)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union_decoder(args)
    if origin in (tuple, list, set, frozenset):
        return _collection_decoder(origin, args)
    if origin is dict:
        return _dict_decoder(hint, args)
    if hint is type(None) or hint is None:
        return _none_decoder
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint  # ValueError for a value the enum does not have
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if hint in (bool, str, int):
        return exact_decoder(hint)
    if hint is float:
        return float_decoder
    raise TypeError(f"the cache cannot decode a {hint!r}")


def _none_decoder(data: object) -> None:
    if data is not None:
        raise ShapeError("expected null")


def float_decoder(data: object) -> float:
    """Decode a JSON number as a float (an integer included)."""
    if type(data) not in (int, float):
        raise ShapeError("expected a number")
    return float(typing.cast(float, data))


def exact_decoder(kind: type) -> Decoder:
    """Return a decoder accepting exactly ``kind`` (no bool for an int, no int for a str)."""
    message = "expected an integer" if kind is int else f"expected a {kind.__name__}"

    def decode(data: object) -> Any:
        if type(data) is not kind:
            raise ShapeError(message)
        return data

    return decode


def _dict_decoder(hint: Any, args: tuple[Any, ...]) -> Decoder:
    if args[:1] != (str,):
        raise TypeError(f"the cache cannot decode a {hint!r}")

    bound: list[Decoder] = []  # bound at the first call: a hint may hold itself

    def decode(data: object) -> Any:
        if not isinstance(data, dict):
            raise ShapeError(f"expected an object for {hint}")
        if not bound:
            bound.append(decoder(args[1]))
        item = bound[0]
        return {key: item(value) for key, value in data.items()}

    return decode


def _union_decoder(args: tuple[Any, ...]) -> Decoder:
    optional = type(None) in args
    arms: list[Decoder] = []  # bound at the first call: an arm may hold the union
    by_fields: dict[frozenset[str], Decoder] = {}

    def decode(data: object) -> Any:
        if data is None and optional:
            return None
        if not arms:
            by_fields.update((names, decoder(arm)) for names, arm in _arms_by_fields(args).items())
            arms[:] = [decoder(arm) for arm in args if arm is not type(None)]  # filled last, in one assignment
        if isinstance(data, dict):  # an object: the dataclass arm with exactly its field names, without trying each
            arm = by_fields.get(frozenset(data))
            if arm is not None:
                return arm(data)
        for each in arms:
            try:
                return each(data)
            except (ShapeError, ValueError):
                continue
        raise ShapeError(f"no arm of {args} fits")

    return decode


def _collection_decoder(origin: type, args: tuple[Any, ...]) -> Decoder:
    name = origin.__name__
    bound: list[Decoder] = []  # bound at the first call: an item may hold the collection
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):

        def decode_fixed(data: object) -> Any:
            if not isinstance(data, list):
                raise ShapeError(f"expected an array for a {name}")
            if len(args) != len(data):
                raise ShapeError(f"expected {len(args)} items")
            if not bound:
                bound[:] = [decoder(arm) for arm in args]  # one assignment: a thread sees none or all
            return tuple(arm(item) for item, arm in zip(data, bound, strict=True))

        return decode_fixed

    def decode(data: object) -> Any:
        if not isinstance(data, list):
            raise ShapeError(f"expected an array for a {name}")
        if not bound:
            bound.append(decoder(args[0]))
        item = bound[0]
        items = [item(value) for value in data]
        return items if origin is list else origin(items)

    return decode


def _dataclass_decoder(cls: type) -> Decoder:
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    expected = set(names)
    positional = not any(f.kw_only for f in dataclasses.fields(cls) if f.init)
    fields: list[tuple[str, Decoder]] = []  # filled at the first call: a dataclass may hold itself

    def decode(data: object) -> Any:
        if not isinstance(data, dict):
            raise ShapeError(f"expected an object for {cls.__name__}")
        if data.keys() != expected:
            raise ShapeError(f"the fields of {cls.__name__} differ")
        if not fields:
            hints = _hints(cls)
            fields[:] = [(name, decoder(hints[name])) for name in names]  # one assignment: a thread sees none or all
        if positional:  # no keyword dict per object
            return cls(*[decode_field(data[name]) for name, decode_field in fields])
        return cls(**{name: decode_field(data[name]) for name, decode_field in fields})

    return decode


_ARMS: dict[tuple[Any, ...], dict[frozenset[str], type]] = {}


def _arms_by_fields(args: tuple[Any, ...]) -> dict[frozenset[str], type]:
    """Return a union's dataclass arms by their set of field names (arms sharing a set are left to trial)."""
    if args not in _ARMS:
        found: dict[frozenset[str], list[type]] = {}
        for arm in args:
            if isinstance(arm, type) and dataclasses.is_dataclass(arm):
                names = frozenset(f.name for f in dataclasses.fields(arm) if f.init)
                found.setdefault(names, []).append(arm)
        _ARMS[args] = {names: arms[0] for names, arms in found.items() if len(arms) == 1}
    return _ARMS[args]


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Return a dataclass's resolved type hints (cached per class)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]
