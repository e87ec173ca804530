"""Dumps made from the previous build's pieces: JSON-LD nodes by subject block, entities' files linked."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.forking import workers
from cndkg.publish import dumps
from cndkg.publish.atomic import keep_or_write
from cndkg.publish.blocks import (
    INDEX_FILE,
    JSONLD_BLOCKS,
    TURTLE_BLOCKS,
    TURTLE_BLOCKS_FILE,
    Block,
    blocks_salt,
    load_previous,
    subject_blocks,
)
from cndkg.publish.dumps import NodeReuse, commit_index, write_dumps

BASE = "https://example.org/kg/"
NT = """\
<https://example.org/kg/id/res/cnd/60/1> <http://purl.org/dc/terms/title> "Première résolution"@fr .
<https://example.org/kg/id/res/cnd/60/1> <http://purl.org/dc/terms/identifier> "60/1" .
<https://example.org/kg/id/res/cnd/60/1#op1> <http://data.europa.eu/eli/ontology#cites> _:b1 .
<https://example.org/kg/id/res/cnd/60/10> <http://purl.org/dc/terms/identifier> "60/10" .
<https://example.org/kg/id/res/cnd/60/2> <http://purl.org/dc/terms/identifier> "60/2" .
_:b1 <http://www.w3.org/2000/01/rdf-schema#label> "a node with no IRI" .
"""
ENTITIES = {f"{BASE}id/res/cnd/60/{n}": f"res/cnd/60/{n}" for n in (1, 2, 10)}


def test_subject_blocks_are_runs_of_one_subject_named_as_the_rdf_library_names_them(tmp_path: Path) -> None:
    path = tmp_path / "a.nt"
    path.write_text(NT, encoding="utf-8")
    blocks = list(subject_blocks(path))
    parsed = [t.subject.value for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    assert [b.subject for b in blocks] == list(dict.fromkeys(parsed))
    assert b"".join(b.lines for b in blocks) == path.read_bytes()
    assert len({b.digest for b in blocks}) == len(blocks)


def _store(text: str) -> ox.Store:
    """Return a store of the triples (the blank node named: a store relabels blank nodes, the graph has none)."""
    store = ox.Store()
    text = text.replace("_:b1", "<https://example.org/kg/id/doc/E/2019/28>")
    store.load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _dump(store: ox.Store, out: Path, cache: Path | None, previous: Path | None) -> dict[str, bytes]:
    out.mkdir(parents=True)
    for folder in ENTITIES.values():
        (out / folder).mkdir(parents=True, exist_ok=True)
    reuse = NodeReuse(cache / INDEX_FILE, previous) if cache is not None and previous is not None else None
    write_dumps(store, out, BASE, ENTITIES, reuse)
    if reuse is not None:
        commit_index(reuse)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_dumps_from_the_previous_pieces_have_a_clean_dumps_bytes(tmp_path: Path, jobs: int) -> None:
    with workers(jobs, worth_seconds=0):  # Turtle and JSON-LD in this process, then on two
        _check_reuse(tmp_path)


def _check_reuse(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = tmp_path / "first"
    _dump(_store(NT), first, cache, tmp_path / "none")
    edited = NT.replace('"60/2"', '"60/2 (revised)"')
    reused = _dump(_store(edited), tmp_path / "second", cache, first)
    clean = _dump(_store(edited), tmp_path / "clean", None, None)
    assert reused == clean
    assert b"60/2 (revised)" in reused["cndkg.jsonld"]
    unchanged, changed = "res/cnd/60/1/data.ttl", "res/cnd/60/2/data.ttl"
    assert (tmp_path / "second" / unchanged).stat().st_ino == (first / unchanged).stat().st_ino
    assert (tmp_path / "second" / changed).stat().st_ino != (first / changed).stat().st_ino


def test_a_rebuild_serializes_only_the_turtle_blocks_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, first = tmp_path / "cache", tmp_path / "first"
    with workers(1):
        _dump(_store(NT), first, cache, tmp_path / "none")
        assert load_previous(cache / TURTLE_BLOCKS_FILE, first / "cndkg.ttl", blocks_salt(BASE, TURTLE_BLOCKS)).where
        serialized: list[str] = []
        original = dumps._turtle_block

        def counting(block: Block) -> bytes:
            serialized.append(block.subject)
            return original(block)

        monkeypatch.setattr(dumps, "_turtle_block", counting)
        edited = NT.replace('"60/2"', '"60/2 (revised)"')
        reused = _dump(_store(edited), tmp_path / "second", cache, first)
    assert serialized == [f"{BASE}id/res/cnd/60/2"]
    assert reused["cndkg.ttl"] == _dump(_store(edited), tmp_path / "clean", None, None)["cndkg.ttl"]


def test_a_block_index_is_used_only_with_the_file_it_describes(tmp_path: Path) -> None:
    cache, first = tmp_path / "cache", tmp_path / "first"
    _dump(_store(NT), first, cache, tmp_path / "none")
    salt = blocks_salt(BASE, JSONLD_BLOCKS)
    assert load_previous(cache / INDEX_FILE, first / "cndkg.jsonld", salt).where
    assert not load_previous(
        cache / INDEX_FILE, first / "cndkg.jsonld", blocks_salt(BASE + "other/", JSONLD_BLOCKS)
    ).where
    jsonld = first / "cndkg.jsonld"
    stat = jsonld.stat()
    os.utime(jsonld, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # the file changed since
    assert not load_previous(cache / INDEX_FILE, jsonld, salt).where
    (cache / INDEX_FILE).write_bytes(b"cndkg-jsonld-blocks 1\n" + b"\0" * 7)  # truncated
    assert not load_previous(cache / INDEX_FILE, jsonld, salt).where


def test_keep_or_write_links_only_the_same_bytes(tmp_path: Path) -> None:
    previous = tmp_path / "previous.ttl"
    previous.write_bytes(b"same")
    assert keep_or_write(tmp_path / "a", b"same", previous)
    assert (tmp_path / "a").stat().st_ino == previous.stat().st_ino
    assert not keep_or_write(tmp_path / "b", b"other", previous)
    assert not keep_or_write(tmp_path / "c", b"same", tmp_path / "missing")
    assert (tmp_path / "b").read_bytes() == b"other" and (tmp_path / "c").read_bytes() == b"same"


def test_a_path_written_twice_never_writes_through_a_link_into_the_previous_output(tmp_path: Path) -> None:
    previous = tmp_path / "previous.ttl"
    previous.write_bytes(b"published")
    target = tmp_path / "new.ttl"
    assert keep_or_write(target, b"published", previous)  # linked: one file, two names
    assert not keep_or_write(target, b"written again", previous)
    assert previous.read_bytes() == b"published" and target.read_bytes() == b"written again"
