"""The store restored from the previous build's dump, and the sorted files and line deltas it is built on."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg import delta
from cndkg.build import BuildOptions, build, start_store_restore
from cndkg.delta import LineDelta, line_delta
from cndkg.errors import BuildError
from cndkg.graph.restore import RECORD_FILE, bring_up_to_date, save_record, start_restore
from cndkg.publish.atomic import output_lock
from cndkg.writers.ntriples import LineSorter, gnu_sort, merge_sorted

from .conftest import CORPUS
from .helpers import tree_hashes

EX = "https://w3id.org/cndkg/id/res/cnd/57/4"
P = "https://w3id.org/cndkg/ontology#p"
SORTERS = [None, *([gnu_sort()] if gnu_sort() else [])]


def _line(subject: str, value: str) -> bytes:
    return f'<{subject}> <{P}> "{value}" .\n'.encode()


LINES = [_line(EX + suffix, value) for suffix in ("", "#op2", "#pp10", "#pp9") for value in ("Zeta", "alpha", "Ä")]


@pytest.mark.parametrize("sorter", SORTERS)
def test_the_line_sorter_writes_each_line_once_in_byte_order(tmp_path: Path, sorter: str | None) -> None:
    target = tmp_path / "sorted.nt"
    with LineSorter(target, 2, sorter) as sorting:
        sorting.write(b"".join(reversed(LINES)))
        sorting.write(b"".join(LINES[:5]))  # repeats
    assert target.read_bytes() == b"".join(sorted(LINES))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sorted.nt"]


@pytest.mark.parametrize("sorter", SORTERS)
def test_a_block_that_raises_leaves_no_sorted_file(tmp_path: Path, sorter: str | None) -> None:
    target = tmp_path / "sorted.nt"
    with pytest.raises(RuntimeError), LineSorter(target, 1, sorter) as sorting:
        sorting.write(LINES[0])
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_sort_raises_naming_the_file(tmp_path: Path) -> None:
    failing = shutil.which("false")
    assert failing is not None
    target = tmp_path / "sorted.nt"
    with pytest.raises(OSError, match=r"sorted\.nt: sorting the N-Triples failed"), LineSorter(target, 1, failing) as s:
        s.write(b"".join(LINES) * 2000)
    assert not target.exists()


FULL_DISK_SORT = """#!/bin/sh
# Writes part of its output file, then fails as GNU sort does on a full disk.
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then echo partial > "$2"; fi
  shift
done
cat > /dev/null
echo "sort: write failed: No space left on device" >&2
exit 2
"""


def test_a_sort_that_fails_on_a_full_disk_says_so_and_leaves_no_file(tmp_path: Path) -> None:
    sorter = tmp_path / "sort"
    sorter.write_text(FULL_DISK_SORT, encoding="utf-8")
    sorter.chmod(0o755)
    target = tmp_path / "out" / "sorted.nt"
    target.parent.mkdir()
    with pytest.raises(OSError) as raised, LineSorter(target, 1, str(sorter)) as sorting:
        sorting.write(b"".join(LINES))
    assert raised.value.errno == errno.ENOSPC and "sorted.nt" in str(raised.value)
    assert list(target.parent.iterdir()) == []
    with pytest.raises(OSError) as merging:
        merge_sorted([sorter, sorter], target, str(sorter))
    assert merging.value.errno == errno.ENOSPC and list(target.parent.iterdir()) == []


@pytest.mark.parametrize("sorter", SORTERS)
def test_sorted_files_merge_with_repeats_dropped(tmp_path: Path, sorter: str | None) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_bytes(b"".join(sorted(LINES[::2])))
    second.write_bytes(b"".join(sorted(LINES[:6])))
    merge_sorted([first, second], tmp_path / "merged.nt", sorter)
    assert (tmp_path / "merged.nt").read_bytes() == b"".join(sorted(set(LINES[::2]) | set(LINES[:6])))


@pytest.mark.parametrize("comm", [True, False])
def test_a_line_delta_says_which_lines_went_and_which_came(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comm: bool
) -> None:
    if not comm:
        monkeypatch.setattr(delta, "gnu_coreutil", lambda name: None)
    before, after = tmp_path / "a.nt", tmp_path / "b.nt"
    before.write_bytes(b"".join(sorted(LINES[:8])))
    after.write_bytes(b"".join(sorted(LINES[3:])))
    found = line_delta(before, after)
    assert found is not None
    assert sorted(found.removed) == sorted(line.rstrip(b"\n") for line in LINES[:3])
    assert sorted(found.added) == sorted(line.rstrip(b"\n") for line in LINES[8:])
    assert found.subjects() == {EX, EX + "#pp10", EX + "#pp9"}  # #op2 kept its lines
    assert line_delta(before, after, most=len(LINES) - 8 + 2) is None  # more lines changed than allowed
    after.write_bytes(b"".join(reversed(sorted(LINES))))
    assert line_delta(before, after) is None  # not sorted


def _store(lines: list[bytes]) -> ox.Store:
    store = ox.Store()
    store.bulk_load(input=b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    return store


def _triples(store: ox.Store) -> set[str]:
    return {str(quad) for quad in store}


@pytest.mark.parametrize(
    ("before", "removed", "added", "exact"),
    [
        (LINES[:6], LINES[:2], LINES[6:9], True),
        (LINES[:6], [], [], True),
        (LINES[:6], LINES[6:7], [], False),  # a removed line the store does not hold
        (LINES[:6], [], LINES[:1], False),  # an added line it holds already
        (LINES[:6], [], [b"_:b1 <" + P.encode() + b'> "x" .\n'], False),  # a blank node
    ],
)
def test_a_store_is_brought_up_to_date_only_exactly(
    before: list[bytes], removed: list[bytes], added: list[bytes], exact: bool
) -> None:
    store = _store(before)
    change = LineDelta(tuple(line.rstrip(b"\n") for line in removed), tuple(line.rstrip(b"\n") for line in added))
    count = bring_up_to_date(store, len(before), change)
    if exact:
        expected = _store([line for line in before if line not in removed] + added)
        assert count == len(expected) and _triples(store) == _triples(expected)
    else:
        assert count is None


def _recorded_dump(tmp_path: Path) -> tuple[Path, Path]:
    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    cache.mkdir()
    (out / "cndkg.nt").write_bytes(b"".join(sorted(LINES)))
    save_record(cache, out, "salt", len(LINES))
    return out, cache


def test_a_recorded_dump_is_restored(tmp_path: Path) -> None:
    out, cache = _recorded_dump(tmp_path)
    restore = start_restore(cache, out, "salt")
    assert restore is not None
    store = restore.store()
    assert store is not None and _triples(store) == _triples(_store(LINES))
    assert restore.store() is None  # handed over once
    unused = start_restore(cache, out, "salt")
    assert unused is not None
    unused.close()  # a build that failed before its graph stage waits for the load and lets go of the store
    assert unused.store() is None


@pytest.mark.parametrize("change", ["no cache", "no record", "other salt", "other folder", "dump touched"])
def test_a_dump_the_record_does_not_vouch_for_is_not_restored(tmp_path: Path, change: str) -> None:
    out, cache = _recorded_dump(tmp_path)
    salt = "other" if change == "other salt" else "salt"
    if change == "no record":
        (cache / RECORD_FILE).unlink()
    if change == "other folder":
        out = Path(shutil.copytree(out, tmp_path / "elsewhere"))
    if change == "dump touched":
        stat = (out / "cndkg.nt").stat()
        os.utime(out / "cndkg.nt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert start_restore(None if change == "no cache" else cache, out, salt) is None


@pytest.mark.parametrize("damage", ["unreadable", "other count"])
def test_a_dump_that_does_not_load_as_recorded_gives_no_store(tmp_path: Path, damage: str) -> None:
    out, cache = _recorded_dump(tmp_path)
    if damage == "unreadable":
        (out / "cndkg.nt").write_bytes(b"<not an iri .\n")
        save_record(cache, out, "salt", len(LINES))
    else:
        save_record(cache, out, "salt", len(LINES) + 1)
    restore = start_restore(cache, out, "salt")
    assert restore is not None and restore.store() is None


@pytest.mark.parametrize("jobs", [1, 2])  # 2: workers are forked while the thread loads the store
def test_a_rebuild_restores_the_store_and_writes_a_clean_builds_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr("cndkg.forking.FORK_WORTH_SECONDS", 0.0)  # every stage forks, however small its work
    corpus, out, cache = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(CORPUS, corpus)
    options = BuildOptions(sources=[str(corpus)], out=out, cache=cache, search=False, jobs=jobs, root=corpus)
    assert not build(options).store_restored  # nothing to restore from
    text = next(path for path in sorted(corpus.rglob("*.txt")) if "Recalling" in path.read_text(encoding="utf-8"))
    text.write_text(text.read_text(encoding="utf-8").replace("Recalling", "Recalling also", 1), encoding="utf-8")
    clean = tmp_path / "clean"
    shutil.copytree(out, clean)
    restore = start_store_restore(options)  # as serve --watch starts it, before it reads the corpus
    assert restore is not None
    rebuilt = build(options, restore=restore)
    fresh = build(BuildOptions(sources=[str(corpus)], out=clean, search=False, jobs=1, root=corpus))
    assert rebuilt.store_restored and not fresh.store_restored
    assert rebuilt.triples == fresh.triples
    assert tree_hashes(out) == tree_hashes(clean)
    (out / "cndkg.nt").write_bytes((out / "cndkg.nt").read_bytes()[:-200])  # someone edits the published dump
    again = build(options)
    assert not again.store_restored  # its stamp no longer fits the record: the store is loaded afresh
    assert tree_hashes(out) == tree_hashes(clean)


def test_a_build_that_cannot_start_still_waits_for_the_restore_it_was_given(tmp_path: Path) -> None:
    out, cache = _recorded_dump(tmp_path)
    options = BuildOptions(sources=[str(CORPUS)], out=out, cache=cache, search=False, jobs=1)
    for refuse in ("locked", "bad endpoint"):
        restore = start_restore(cache, out, "salt")
        assert restore is not None
        with contextlib.ExitStack() as held:
            if refuse == "locked":
                held.enter_context(output_lock(out))  # another build is writing the folder
            else:
                options = replace(options, sparql_endpoint="ftp://example.org/sparql")
            with pytest.raises(BuildError):
                build(options, restore=restore)
        assert restore.store() is None, f"{refuse}: the build did not close the restore it was given"
