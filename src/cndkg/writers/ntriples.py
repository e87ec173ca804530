"""N-Triples: terms written one by one (the graph stage's lines), and a store's triples as sorted lines.

Canonical N-Triples sorted bytewise is the dump every other format is written
from, and what makes the dumps byte-identical for the same input.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

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


def _sorted_lines(store: ox.Store, chunk: int = 100_000) -> Iterator[bytes]:
    """Yield a store's default graph as canonical N-Triples, sorted, in blocks of ``chunk`` lines.

    The portable path, for machines without GNU sort: it holds the serialized
    graph and then its lines in memory (about twice the dump's size at the
    peak, released when done).
    """
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert data is not None
    lines = data.split(b"\n")
    del data
    lines.sort()
    start = 1 if lines and not lines[0] else 0  # the empty piece after the final newline sorts first
    for index in range(start, len(lines), chunk):
        yield b"\n".join(lines[index : index + chunk]) + b"\n"


SORT_BUFFER = "256M"
"""The memory GNU sort may use before it spills sorted runs to temporary files."""


@functools.lru_cache(maxsize=1)
def gnu_sort() -> str | None:
    """Return the path of GNU sort (coreutils) if this machine has it, else None."""
    found = shutil.which("sort")
    if found is None:
        return None
    try:
        version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if "GNU coreutils" in version.stdout else None


def write_sorted(store: ox.Store, target: Path, jobs: int = 1, sorter: str | None = None) -> None:
    """Write a store's default graph to ``target`` as N-Triples lines sorted bytewise.

    Takes the store, the file to write, how many threads the sort may use and
    the GNU sort to pipe the lines through (None: the in-memory Python sort).
    GNU sort keeps its memory bounded (``SORT_BUFFER``, then temporary files
    beside ``target``), where sorting in Python held the graph's text twice
    over: at 10,000 resolutions that was 1.5 GiB on top of the store. Both
    paths write the same bytes (``LC_ALL=C`` compares bytes, as Python does).
    Raises OSError when the sort fails.
    """
    if sorter is None:
        with open(target, "wb") as out:
            for block in _sorted_lines(store):
                out.write(block)
        return
    command = [sorter, "-S", SORT_BUFFER, f"--parallel={max(1, jobs)}", "-T", str(target.parent), "-o", str(target)]
    environment = {**os.environ, "LC_ALL": "C"}
    failure: OSError | None = None
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=environment) as sorting:
        assert sorting.stdin is not None and sorting.stderr is not None
        try:
            store.dump(sorting.stdin, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            sorting.stdin.close()
        except OSError as error:  # sort stopped reading (a full disk?): its status and message say why
            failure = error
        problem = sorting.stderr.read().decode("utf-8", "replace").strip()
    if sorting.returncode != 0 or failure is not None:
        reason = problem or str(failure)
        raise OSError(f"{target}: sorting the N-Triples failed ({sorter} exited {sorting.returncode}): {reason}")


def serialize(triples: list[ox.Triple] | Iterator[ox.Triple]) -> bytes:
    """Return triples (already in the order wanted) as N-Triples."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
