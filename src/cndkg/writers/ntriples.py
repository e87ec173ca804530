"""N-Triples: terms written one by one (the graph stage's lines), and a store's triples as sorted lines.

Canonical N-Triples sorted bytewise is the dump every other format is written
from, and what makes the dumps byte-identical for the same input.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import heapq
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from cndkg.namespaces import XSD

MEDIA_TYPE = "application/n-triples"
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_XSD_STRING = str(XSD.string)
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def nt_iri(iri: str) -> str:
    """Return an IRI as an N-Triples term, percent-encoding any character an IRIREF may not hold."""
    if _IRI_UNSAFE.search(iri):
        iri = _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), iri)
    return f"<{iri}>"


def nt_literal(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """Return a literal as an N-Triples term (quotes, backslashes and line breaks escaped)."""
    lexical = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang and _LANG.match(lang):
        return f'"{lexical}"@{lang}'
    if datatype and datatype != _XSD_STRING:
        return f'"{lexical}"^^<{datatype}>'
    return f'"{lexical}"'


SORT_BUFFER = "256M"
"""The memory GNU sort may use before it spills sorted runs to temporary files."""


def gnu_sort() -> str | None:
    """Return the path of GNU sort (coreutils) if this machine has it, else None."""
    return gnu_coreutil("sort")


@functools.lru_cache(maxsize=8)
def gnu_coreutil(name: str) -> str | None:
    """Return the path of a GNU coreutils command (``sort``, ``comm``) if this machine has it, else None.

    Other implementations (BSD's, BusyBox's) lack options cndkg passes, such as ``comm --check-order``.
    """
    found = shutil.which(name)
    if found is None:
        return None
    try:
        version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if "GNU coreutils" in version.stdout else None


class LineSorter:
    """Takes N-Triples in pieces of whole lines (any order, repeats allowed); writes them sorted, each line once.

    Used as a context manager: :meth:`write` the pieces inside the block; on
    leaving it ``target`` holds the lines sorted bytewise without repeats
    (``LC_ALL=C`` compares bytes, as Python does). With ``sorter`` (GNU sort:
    :func:`gnu_sort`) the pieces are piped to it, whose memory is bounded
    (:data:`SORT_BUFFER`, then temporary files beside ``target``), on ``jobs``
    threads; without, they are held and sorted in Python (about four times
    the lines' size at the peak). Both write the same bytes for pieces without
    empty lines, which N-Triples written by Oxigraph never has. Leaving the
    block raises OSError when the sort failed (with ``errno`` ENOSPC for a
    full disk); when the block raises or the sort fails, ``target`` is removed.
    """

    def __init__(self, target: Path, jobs: int = 1, sorter: str | None = None) -> None:
        self.target = target
        self.jobs = max(1, jobs)
        self.sorter = sorter
        self._pieces: list[bytes] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._failure: OSError | None = None

    def __enter__(self) -> LineSorter:
        if self.sorter is not None:
            command = [self.sorter, "-u", "-S", SORT_BUFFER, f"--parallel={self.jobs}", "-T", str(self.target.parent)]
            self._process = subprocess.Popen(
                [*command, "-o", str(self.target)], stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=_c_locale()
            )
        return self

    def write(self, piece: bytes) -> int:
        """Add whole lines (each ending in a newline); return how many bytes were taken."""
        if self._process is None:
            self._pieces.append(piece)
            return len(piece)
        assert self._process.stdin is not None
        if self._failure is None:
            try:
                self._process.stdin.write(piece)
            except OSError as error:  # sort stopped reading (a full disk?): its status and message say why
                self._failure = error
        return len(piece)

    def flush(self) -> None:
        """Do nothing: the pieces go to the sort as they come (writers that take a file call this)."""

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if self._process is None:
                if kind is None:
                    _write_unique_sorted(self._pieces, self.target)
                self._pieces = []
            else:
                self._finish_process(aborted=kind is not None)
        except BaseException:
            self.target.unlink(missing_ok=True)
            raise
        if kind is not None:
            self.target.unlink(missing_ok=True)

    def _finish_process(self, *, aborted: bool) -> None:
        """Close sort's input and wait for it; raise OSError when it failed (unless the block itself failed)."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stderr is not None
        if aborted:
            process.terminate()  # not killed: sort removes its temporary files when it is terminated
        try:
            process.stdin.close()
        except OSError as error:
            self._failure = self._failure or error
        problem = process.stderr.read().decode("utf-8", "replace").strip()
        process.wait()
        process.stderr.close()
        if not aborted and (process.returncode != 0 or self._failure is not None):
            raise _sort_failure(self.target, "sorting", self.sorter, process.returncode, problem or str(self._failure))


def _c_locale() -> dict[str, str]:
    """Return the environment in which GNU sort compares bytes, whatever the user's locale."""
    return {**os.environ, "LC_ALL": "C"}


def _sort_failure(target: Path, doing: str, sorter: str | None, status: int | None, problem: str) -> OSError:
    """Return the error of a failed sort or merge, naming the file (ENOSPC when the disk was full)."""
    message = f"{target}: {doing} the N-Triples failed ({sorter} exited {status}): {problem}"
    if "No space left on device" in problem:
        return OSError(errno.ENOSPC, message)
    return OSError(message)


def _write_unique_sorted(pieces: list[bytes], target: Path, chunk: int = 100_000) -> None:
    """Write the lines of ``pieces`` to ``target`` sorted bytewise, each once (the in-memory path)."""
    lines = sorted(set(b"".join(pieces).split(b"\n")) - {b""})
    with open(target, "wb") as out:
        for index in range(0, len(lines), chunk):
            out.write(b"\n".join(lines[index : index + chunk]) + b"\n")


def merge_sorted(sources: list[Path], target: Path, sorter: str | None = None) -> None:
    """Write into ``target`` the lines of sorted files, merged in order, each line once.

    Takes the sorted N-Triples files, the file to write and GNU sort (None:
    merged in Python). Raises OSError when the merge fails (``target`` is then removed).
    """
    try:
        if sorter is None:
            _merge_in_python(sources, target)
            return
        command = [sorter, "-m", "-u", "-T", str(target.parent), "-o", str(target), *map(str, sources)]
        done = subprocess.run(command, capture_output=True, env=_c_locale(), check=False)
        if done.returncode != 0:
            problem = done.stderr.decode("utf-8", "replace").strip()
            raise _sort_failure(target, "merging", sorter, done.returncode, problem)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _merge_in_python(sources: list[Path], target: Path) -> None:
    """Merge sorted files into ``target``, each line once (for machines without GNU sort)."""
    with contextlib.ExitStack() as files, open(target, "wb") as out:
        streams = [files.enter_context(open(source, "rb")) for source in sources]
        last = None
        for line in heapq.merge(*streams):
            if line != last:
                out.write(line)
                last = line


def write_sorted(store: ox.Store, target: Path, jobs: int = 1, sorter: str | None = None) -> None:
    """Write a store's default graph to ``target`` as N-Triples lines sorted bytewise.

    Takes the store, the file to write, how many threads the sort may use and
    the GNU sort to pipe the lines through (None: the in-memory Python sort);
    see :class:`LineSorter`. Raises OSError when the sort fails.
    """
    with LineSorter(target, jobs, sorter) as sorting:
        sink = cast(IO[bytes], sorting)  # the store calls only write and flush
        store.dump(sink, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def serialize(triples: list[ox.Triple] | Iterator[ox.Triple]) -> bytes:
    """Return triples (already in the order wanted) as N-Triples."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
