"""The sorted dump patched by the lines that changed: :func:`patch_sorted` and :class:`DumpPatch`.

The property test makes random parts (texts' own lines, foreign lines shared by
several parts, lines about another text's family) and random spanning lines (some
also in parts, some typing a kept text's hash IRI, as a stub does), changes them
at random (texts changed, added and removed; spanning lines changed), and holds
the patched dump to the sorted union of the new lines, and the patch's answer
to "is this IRI typed by the parts?" to a search of every new part.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cndkg.delta import LineDelta, SortedLines, patch_sorted
from cndkg.graph.parts import Part, PartCache, foreign_lines
from cndkg.graph.patch import DumpPatch, PatchRefused, PreviousGraph, read_spanning, write_spanning

LINES = [b"<http://x/a> <http://x/p> 1 .", b"<http://x/b> <http://x/p> 2 .", b"<http://x/d> <http://x/p> 4 ."]
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _file(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("removed", "added", "expected"),
    [
        ([], [], LINES),
        ([LINES[1]], [], [LINES[0], LINES[2]]),
        ([LINES[0], LINES[2]], [], [LINES[1]]),
        ([], [b"<http://x/c> <http://x/p> 3 ."], [LINES[0], LINES[1], b"<http://x/c> <http://x/p> 3 .", LINES[2]]),
        ([], [b"<http://x/0> <http://x/p> 0 .", b"<http://x/e> <http://x/p> 5 ."], None),
        ([LINES[1]], [b"<http://x/b> <http://x/p> 3 ."], [LINES[0], b"<http://x/b> <http://x/p> 3 .", LINES[2]]),
        (LINES, [], []),
    ],
)
def test_patch_sorted_takes_out_and_puts_in_lines(
    tmp_path: Path, removed: list[bytes], added: list[bytes], expected: list[bytes] | None
) -> None:
    previous = _file(tmp_path / "previous.nt", LINES)
    current = tmp_path / "current.nt"
    assert patch_sorted(previous, LineDelta(tuple(removed), tuple(added)), current)
    assert current.read_bytes().splitlines() == (expected if expected is not None else sorted(LINES + added))


@pytest.mark.parametrize(
    ("lines", "removed", "added"),
    [
        (LINES, [b"<http://x/c> <http://x/p> 3 ."], []),  # not there to remove
        (LINES, [], [LINES[1]]),  # already there
        (LINES, [b"<http://x/a> <http://x/p> 1"], []),  # only the start of a line
        ([], [LINES[0]], []),
    ],
)
def test_patch_sorted_refuses_a_delta_that_does_not_fit(
    tmp_path: Path, lines: list[bytes], removed: list[bytes], added: list[bytes]
) -> None:
    previous = _file(tmp_path / "previous.nt", lines)
    assert not patch_sorted(previous, LineDelta(tuple(removed), tuple(added)), tmp_path / "current.nt")


def test_patch_sorted_refuses_a_file_whose_last_line_is_cut(tmp_path: Path) -> None:
    previous = tmp_path / "previous.nt"
    previous.write_bytes(b"\n".join(LINES))
    assert not patch_sorted(previous, LineDelta((), ()), tmp_path / "current.nt")


def test_spanning_lines_come_back_only_with_their_digest(tmp_path: Path) -> None:
    digest = write_spanning(tmp_path, b"".join(line + b"\n" for line in LINES))
    assert digest is not None
    assert read_spanning(tmp_path, digest) == frozenset(LINES)
    assert read_spanning(tmp_path, "0" * 40) is None
    (tmp_path / "store-spanning.nt").write_bytes(b"")
    assert read_spanning(tmp_path, digest) is None


# --- random parts, changed at random ----------------------------------------------------------------------


def _text(n: int) -> str:
    return f"http://x/t/{n}"


def _own_lines(rng: random.Random, n: int, version: int) -> list[bytes]:
    text = _text(n)
    lines = [f'<{text}> <http://x/p> "text {n}" .', f"<{text}> {TYPE} <http://x/Text> ."]
    for paragraph in rng.sample(range(6), rng.randint(1, 4)):
        lines.append(f"<{text}#p{paragraph}> {TYPE} <http://x/Paragraph> .")
        lines.append(f'<{text}#p{paragraph}> <http://x/words> "v{version} {rng.randint(0, 2)}" .')
    return [line.encode() for line in lines]


def _foreign(rng: random.Random, n: int) -> list[bytes]:
    """Lines other parts may hold too: shared source files, and a line about another text's family."""
    found = [f'<http://x/source/{rng.randint(0, 2)}> <http://x/id> "file" .'.encode()]
    if rng.random() < 0.4:
        other = _text(rng.randint(0, 9))
        found.append(f'<{other}> <http://x/date> "2020" .'.encode())
    if rng.random() < 0.2:
        found.append(f"<{_text(rng.randint(0, 9))}#p9> {TYPE} <http://x/Paragraph> .".encode())
    if rng.random() < 0.3:  # a line another text's part holds as its own
        other = rng.randint(0, 9)
        found.append(f"<{_text(other)}> {TYPE} <http://x/Text> .".encode())
    return found


def _spanning(rng: random.Random, parts: dict[int, list[bytes]]) -> set[bytes]:
    """Spanning lines: some of their own, some a part holds too, some typing a hash IRI (a stub)."""
    pool = [line for lines in parts.values() for line in lines]
    found = {f'<http://x/session/{rng.randint(0, 3)}> <http://x/n> "s" .'.encode() for _ in range(3)}
    found |= set(rng.sample(pool, min(len(pool), 4)))
    found |= {f"<{_text(rng.randint(0, 9))}#p{rng.randint(0, 9)}> {TYPE} <http://x/Stub> .".encode() for _ in range(2)}
    return found


def _key(n: int, version: int) -> str:
    return f"{n:02d}{version:038d}"


@pytest.mark.parametrize("seed", range(24))
def test_a_patched_dump_is_the_sorted_union_of_the_new_lines(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    cache = PartCache(tmp_path / "parts", "salt")
    versions = {n: 0 for n in range(8)}
    parts = {n: _own_lines(rng, n, 0) + _foreign(rng, n) for n in versions}
    for n, lines in parts.items():
        ntriples = b"".join(line + b"\n" for line in lines)
        cache.store(_key(n, 0), Part(ntriples, {}, set(), foreign_lines(ntriples, _text(n))))
    spanning = _spanning(rng, parts)
    previous = _file(tmp_path / "previous.nt", sorted({*spanning, *(line for v in parts.values() for line in v)}))

    for n in rng.sample(sorted(versions), 3):  # texts changed or removed
        if rng.random() < 0.3:
            del versions[n], parts[n]
        else:
            versions[n] = 1
            parts[n] = _own_lines(rng, n, 1) + _foreign(rng, n)
    for n in (8, 9)[: rng.randint(0, 2)]:  # texts added
        versions[n] = 1
        parts[n] = _own_lines(rng, n, 1) + _foreign(rng, n)
    new_spanning = set(rng.sample(sorted(spanning), len(spanning) - 2)) | _spanning(rng, parts)
    new_lines, kept, kept_foreign = [], {}, []
    for n, version in versions.items():
        ntriples = b"".join(line + b"\n" for line in parts[n])
        if version == 0:
            kept[_text(n)] = _key(n, 0)
            kept_foreign += foreign_lines(ntriples, _text(n))
        else:
            new_lines += parts[n]
            cache.store(_key(n, version), Part(ntriples, {}, set(), foreign_lines(ntriples, _text(n))))

    keys = {_key(n, version) for n, version in versions.items()}
    base = PreviousGraph(frozenset(_key(n, 0) for n in range(8)), frozenset(spanning))
    with SortedLines(previous) as lines:
        patch = DumpPatch(base, lines, cache, new_lines, kept, kept_foreign, keys)
        every_part_line = {line for v in parts.values() for line in v}
        for n in range(10):
            for local in ("", *(f"#p{p}" for p in range(10))):
                iri = _text(n) + local
                expected = any(line.startswith(f"<{iri}> {TYPE} ".encode()) for line in every_part_line)
                assert patch.typed(iri) == expected, iri
        delta = patch.delta(new_spanning)
    assert delta is not None
    current = tmp_path / "current.nt"
    assert patch_sorted(previous, delta, current)
    assert current.read_bytes().splitlines() == sorted(new_spanning | every_part_line)
    assert not set(delta.removed) & set(delta.added)


def test_a_patch_is_refused_when_a_gone_part_is_not_in_the_cache(tmp_path: Path) -> None:
    previous = _file(tmp_path / "previous.nt", LINES)
    base = PreviousGraph(frozenset({"f" * 40}), frozenset())
    with SortedLines(previous) as lines, pytest.raises(PatchRefused):
        DumpPatch(base, lines, PartCache(tmp_path / "parts", "salt"), [], {}, [], set())


def test_a_blank_node_in_a_changed_line_gives_no_delta(tmp_path: Path) -> None:
    previous = _file(tmp_path / "previous.nt", LINES)
    base = PreviousGraph(frozenset(), frozenset())
    with SortedLines(previous) as lines:
        patch = DumpPatch(base, lines, PartCache(tmp_path / "parts", "salt"), [], {}, [], set())
        assert patch.delta({b'_:b0 <http://x/p> "blank" .', *LINES}) is None
        assert patch.delta(set(LINES)) == LineDelta((), ())


@pytest.mark.slow
def test_a_refused_patch_sorts_every_text_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """The parts of the previous dump are gone from the cache: the patch is refused, and every text is sorted."""
    import shutil

    from cndkg.bench.corpus import write_corpus
    from cndkg.build import BuildOptions, build
    from cndkg.graph.parts import FOLDER

    from .helpers import tree_hashes

    corpus, cache, dist, clean = (tmp_path / name for name in ("corpus", "cache", "dist", "clean"))
    write_corpus(corpus, 12, seed=5)

    def rebuild(out: Path, with_cache: bool = True):  # type: ignore[no-untyped-def]
        options = BuildOptions(sources=[str(corpus)], out=out, search=False, root=corpus)
        options.cache = cache if with_cache else None
        return build(options)

    rebuild(dist)
    edited = sorted(corpus.rglob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Recalling", "Recalling also", 1), encoding="utf-8")
    assert rebuild(dist).dump_patched
    edited.write_text(edited.read_text(encoding="utf-8").replace("Recalling also", "Recalling", 1), encoding="utf-8")
    shutil.rmtree(cache / FOLDER)
    shutil.copytree(dist, clean, symlinks=True)
    report = rebuild(dist)
    assert not report.dump_patched and report.store_restored
    rebuild(clean, with_cache=False)
    assert tree_hashes(dist) == tree_hashes(clean)
    beside = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))  # the outputs' locks
    assert beside == ["cache", "clean", "corpus", "dist"]
    assert not [p for p in dist.iterdir() if p.name.startswith("cndkg.nt.")], "no sorting's file is left"
