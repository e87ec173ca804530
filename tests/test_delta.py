"""Products computed by delta: the families an edit touches, the scoped store, and the downloads they give.

The property test changes the real graph of the bundled corpus at random
(seeded): it writes the downloads of the graph before, then those of the graph
after by delta (rows of untouched families from the files before, the rest from
a store of the touched families read from the sorted dump), and holds them to
the downloads written from the whole graph after, byte for byte.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.delta import RowsDelta, SortedLines, affected_families, changed_subjects, family, scoped_store
from cndkg.publish.downloads import EXTRA_DOWNLOADS, write_downloads

from .test_revalidate import _apply, _changes, _dump, _store, graph_lines  # noqa: F401  (module fixture)

LINES = [  # sorted bytewise: "#" < "0" < ">"
    b'<http://x/a/1#p> <http://x/p> "in the family" .',
    b"<http://x/a/10> <http://x/p> <http://x/a/1> .",
    b"<http://x/a/1> <http://x/p> <http://x/a/2> .",
    b"<http://x/a/1> <http://x/q> <http://x/a/10> .",
    b'<http://x/a/2> <http://x/p> "two" .',
    b'<http://x/b> <http://x/p> "b" .',
]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (b"<http://x/a/1> ", [2, 3]),
        (b"<http://x/a/1#", [0]),
        (b"<http://x/a/10> ", [1]),
        (b"<http://x/a/2> ", [4]),
        (b"<http://x/b> ", [5]),
        (b"<http://x/a/1#p> <http://x/p> ", [0]),
        (b"<http://x/a/", [0, 1, 2, 3, 4]),
        (b"<", [0, 1, 2, 3, 4, 5]),
        (b"<http://x/a/3> ", []),
        (b"<http://x/c> ", []),
        (b"<http://w/", []),
    ],
)
def test_sorted_lines_find_every_line_with_a_prefix_and_no_other(
    tmp_path: Path, prefix: bytes, expected: list[int]
) -> None:
    dump = tmp_path / "sorted.nt"
    assert sorted(LINES) == LINES
    dump.write_bytes(b"\n".join(LINES) + b"\n")
    with SortedLines(dump) as lines:
        assert list(lines.starting_with(prefix)) == [LINES[i] for i in expected]
    (tmp_path / "empty.nt").write_bytes(b"")
    with SortedLines(tmp_path / "empty.nt") as lines:
        assert list(lines.starting_with(prefix)) == []


def test_a_scoped_store_holds_the_families_and_what_they_name(tmp_path: Path) -> None:
    dump = tmp_path / "sorted.nt"
    dump.write_bytes(b"\n".join(LINES) + b"\n")
    store = scoped_store(dump, {"http://x/a/1"})
    held = sorted(f"{q.subject} {q.predicate} {q.object} ." for q in store)
    assert held == sorted(line.decode() for line in LINES[:5]), "a/1, a/1#p and the top lines of a/2 and a/10"


def test_the_affected_families_are_the_changed_ones_and_those_linking_to_them(graph_lines: list[str]) -> None:  # noqa: F811
    store = _store(graph_lines)
    citation = next(
        q for q in store.quads_for_pattern(None, ox.NamedNode("https://w3id.org/cndkg/ontology#target"), None)
    )
    target = citation.object.value  # type: ignore[union-attr]
    found = affected_families(store, {target})
    assert found is not None and family(target) in found
    assert family(citation.subject.value) in found  # type: ignore[union-attr]
    assert len(found) < len({family(q.subject.value) for q in store}), "not every family"  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(6))
def test_downloads_by_delta_are_the_downloads_of_the_whole_graph(
    graph_lines: list[str],  # noqa: F811
    tmp_path: Path,
    seed: int,
) -> None:
    rng = random.Random(seed)
    changes = _changes(_store(graph_lines), rng, 12)
    before, after = _apply(_store(graph_lines), changes[:6]), _apply(_store(graph_lines), changes[3:])
    previous, rebuilt, whole = (tmp_path / name for name in ("previous", "rebuilt", "whole"))
    for folder in (previous, rebuilt, whole):
        folder.mkdir()
    write_downloads(before, previous)
    dump = _dump(after, rebuilt / "cndkg.nt")
    changed = changed_subjects(_dump(before, previous / "cndkg.nt"), dump)
    assert changed
    families = affected_families(after, changed)
    assert families is not None
    write_downloads(after, rebuilt, RowsDelta(previous, frozenset(families), scoped_store(dump, families)))
    write_downloads(after, whole)
    for name in EXTRA_DOWNLOADS:
        assert (rebuilt / name).read_bytes() == (whole / name).read_bytes(), name


@pytest.mark.slow
def test_a_rebuild_takes_rows_only_from_downloads_its_record_vouches_for(tmp_path: Path) -> None:
    from cndkg.bench.corpus import write_corpus
    from cndkg.build import BuildOptions, build
    from cndkg.publish.downloads import MEMO_FILE

    corpus, cache, dist, clean = (tmp_path / name for name in ("corpus", "cache", "dist", "clean"))
    write_corpus(corpus, 12, seed=3)

    def rebuild(out: Path, with_cache: bool = True) -> None:
        build(
            BuildOptions(sources=[str(corpus)], out=out, search=False, root=corpus, cache=cache if with_cache else None)
        )

    rebuild(dist)
    assert (cache / MEMO_FILE).is_file()
    edited = sorted(corpus.rglob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Recalling", "Recalling also", 1), encoding="utf-8")
    tampered = dist / "resolutions.csv"
    tampered.write_bytes(tampered.read_bytes() + b"https://w3id.org/cndkg/id/res/cnd/99/9,Resolution,,forged,,,,0\r\n")
    rebuild(dist)
    rebuild(clean, with_cache=False)
    for name in EXTRA_DOWNLOADS:
        assert (dist / name).read_bytes() == (clean / name).read_bytes(), name
    assert b"forged" not in (dist / "resolutions.csv").read_bytes()
