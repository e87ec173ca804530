"""A cache of the per-file stages (read, segment, find), keyed by a hash of each source's bytes.

An entry holds what those stages made of one file: its resolutions, their
mentions and its diagnostics. The key also covers everything else the result
depends on (the name the file is reported under, the encoding option, the
reference names and lexicon, and the code of the cndkg package), so a hit is
always what a fresh parse would give. Entries are pickles written atomically;
an unreadable entry counts as a miss. The cache holds the user's own build
results: do not point it at a folder others can write to.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cndkg import __version__
from cndkg.resources import data_dir

CACHE_FORMAT = 1
_KEY = re.compile(r"[0-9a-f]{40}")
# What unpickling damaged or foreign bytes raises: such an entry is a miss, never a failed build.
_DAMAGED = (
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    OverflowError,
)
# The Cache Directory Tagging Specification: backup tools skip a folder holding this file.
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# cndkg's parse cache; safe to delete.\n"


@dataclass(frozen=True, slots=True)
class ParseCache:
    """A folder of cached per-file results, and the salt every key of this build includes."""

    folder: Path
    salt: str

    def key(self, name: str, data: bytes) -> str:
        """Return the key of a source: a hash of the salt, its reported name and its bytes."""
        digest = hashlib.blake2b(digest_size=20)
        for part in (self.salt.encode(), name.encode("utf-8", "surrogateescape"), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()

    def load(self, key: str) -> Any | None:
        """Return the cached result of a key, or None when absent or unreadable."""
        data = self.load_bytes(key)
        return None if data is None else self.decode(data)

    def load_bytes(self, key: str) -> bytes | None:
        """Return a key's entry as stored (pickled), or None when absent or unreadable."""
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    @staticmethod
    def decode(data: bytes) -> Any | None:
        """Return an entry's result from its stored bytes, or None when they do not unpickle."""
        try:
            return pickle.loads(data)
        except _DAMAGED:
            return None

    def save(self, key: str, result: Any) -> None:
        """Store a result under a key (written to a temporary file, then renamed into place)."""
        path = self._path(key)
        if not (self.folder / "CACHEDIR.TAG").exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def prune(self, keep: set[str]) -> int:
        """Delete every entry whose key is not in ``keep``; return how many were deleted."""
        removed = 0
        for path in self.folder.glob("??/*.pickle"):
            # Only files this cache names (a hex key under its first two digits), whatever else the folder holds.
            if _KEY.fullmatch(path.stem) and path.parent.name == path.stem[:2] and path.stem not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"


def cache_salt(*parts: object) -> str:
    """Return a salt covering the cache format, the package's code, the reference data and ``parts`` (options)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{CACHE_FORMAT} {__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    reference = data_dir("ontology")
    for path in sorted(p for p in reference.rglob("*") if p.is_file()):
        digest.update(path.relative_to(reference).as_posix().encode())
        digest.update(path.read_bytes())
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
