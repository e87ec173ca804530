"""Each text's triples, kept between builds by a digest of what the resolver settled for it.

Describing a text (its paragraphs, citations, mandates ...) is a pure function
of its :class:`~cndkg.model.ResolvedResolution` and of the IRI minter, so a
rebuild takes the triples of every text the resolver settled exactly as before
from the cache folder (``graph-parts/``), and describes only the others. The
key is a digest of the salt (the running code, the reference data, the base)
and of the resolved text's ``repr`` (the model holds tuples, strings, numbers
and enums, whose reprs do not depend on the process). An entry is one line of
JSON (the index entries and sessions the cross-text steps need) and the
text's N-Triples; nothing in it is run.

On two cores the describing workers and the main process, which loads their
triples into the store, compete for the CPU: at 1,000 texts describing took
2.4 s of CPU, and the stage about 2.3 s of wall time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cndkg.cache import prune_entries, write_entry
from cndkg.model import ResolvedResolution

FOLDER = "graph-parts"
_SUFFIX = ".part"


@dataclass
class Part:
    """One text's (or a run of texts') triples as N-Triples, their index entries and the sessions they name.

    ``foreign``: the lines whose subject is outside the text's family (its
    source file's, say), which another text's part may hold too; a run of
    texts does not list them.
    """

    ntriples: bytes
    index: dict[str, dict[str, list[str]]]
    sessions: set[tuple[str, int]]
    foreign: tuple[bytes, ...] = ()


def foreign_lines(ntriples: bytes, text: str) -> tuple[bytes, ...]:
    """Return the N-Triples lines whose subject is not in the family of ``text`` (its IRI and hash IRIs)."""
    own, own_hash = b"<" + text.encode("utf-8") + b">", b"<" + text.encode("utf-8") + b"#"
    return tuple(
        line for line in ntriples.splitlines() if line and not line.startswith(own) and not line.startswith(own_hash)
    )


@dataclass(frozen=True)
class PartCache:
    """A folder of described texts, and the salt every key includes."""

    folder: Path
    salt: str

    def key(self, item: ResolvedResolution) -> str:
        """Return the key of a resolved text: a digest of the salt and of its repr."""
        digest = hashlib.blake2b(self.salt.encode(), digest_size=20)
        digest.update(repr(item).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + _SUFFIX)

    def load(self, key: str) -> Part | None:
        """Return the part stored under ``key``, or None when absent or unreadable."""
        try:
            with open(self._path(key), "rb") as file:
                header = _header(file.readline())
                ntriples = file.read()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return Part(ntriples, *header)

    def load_header(self, key: str) -> Part | None:
        """Return the part stored under ``key`` without its N-Triples (b""), or None when absent or unreadable."""
        try:
            with open(self._path(key), "rb") as file:
                return Part(b"", *_header(file.readline()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store(self, key: str, part: Part) -> None:
        """Store a part under ``key`` (a failure to write only costs describing the text again)."""
        foreign = [line.decode("utf-8") for line in part.foreign]
        header = json.dumps({"index": part.index, "sessions": sorted(part.sessions), "foreign": foreign})
        write_entry(self._path(key), header.encode("ascii") + b"\n" + part.ntriples)

    def prune(self, keep: set[str]) -> None:
        """Delete every entry whose key is not in ``keep`` (the cache mirrors the last successful build)."""
        prune_entries(self.folder, _SUFFIX, keep)


def _header(line: bytes) -> tuple[dict[str, dict[str, list[str]]], set[tuple[str, int]], tuple[bytes, ...]]:
    """Return an entry's index, sessions and foreign lines from its first line (raise on any other shape)."""
    if not line.endswith(b"\n"):
        raise ValueError("an entry's first line is cut short")
    stored = json.loads(line)
    index = {
        str(predicate): {str(subject): [str(v) for v in values] for subject, values in subjects.items()}
        for predicate, subjects in stored["index"].items()
    }
    sessions = {(str(body), int(number)) for body, number in stored["sessions"]}
    foreign = tuple(str(text).encode("utf-8") for text in stored["foreign"])
    return index, sessions, foreign
