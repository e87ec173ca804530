"""The parse cache: a rebuild after one file changed reuses the rest and gives a clean build's exact bytes."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import os
import pickle
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest

from cndkg import model
from cndkg.bench.corpus import write_corpus
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.cache import ParseCache, cache_salt, default_cache_folder, from_json, to_json
from cndkg.parse_parallel import Parsed

from .helpers import tree_hashes

pytestmark = pytest.mark.slow


def build_into(sources: Path, out: Path, cache: Path | None) -> BuildReport:
    return build(BuildOptions(sources=[str(sources)], out=out, search=False, root=sources, cache=cache, jobs=1))


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, 24, seed=11)
    return folder


def test_rebuild_after_one_change_reuses_the_rest_and_matches_a_clean_build(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    first = build_into(corpus, tmp_path / "dist", cache)
    assert first.cache_hits == 0 and first.sources == 24
    again = build_into(corpus, tmp_path / "dist", cache)
    assert again.cache_hits == 24
    changed = sorted(corpus.rglob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("Recalling", "Recalling also", 1), encoding="utf-8")
    # the change feed reads the previous output's history: the clean build starts from the same one
    shutil.copytree(tmp_path / "dist", tmp_path / "clean", symlinks=True)
    rebuilt = build_into(corpus, tmp_path / "dist", cache)
    assert rebuilt.cache_hits == 23
    beside = {p.name for p in tmp_path.iterdir() if p.name.startswith(".dist")}
    assert beside == {".dist.lock"}, "the outputs the builds replaced are gone when they return"
    clean = build_into(corpus, tmp_path / "clean", None)
    assert tree_hashes(tmp_path / "dist") == tree_hashes(tmp_path / "clean")
    assert "Recalling also" in (tmp_path / "dist" / "cndkg.nt").read_text(encoding="utf-8")
    assert rebuilt.resolutions == clean.resolutions == 24


def test_a_damaged_entry_is_a_miss_and_is_written_again(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    build_into(corpus, tmp_path / "dist", cache)
    entries = sorted(cache.glob("*/*.json"))
    assert len(entries) == 24
    entries[0].write_bytes(b"not json")
    entries[1].write_bytes(entries[1].read_bytes()[:10])
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 22
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 24


def test_entries_of_removed_sources_are_pruned(tmp_path: Path, corpus: Path) -> None:
    cache = tmp_path / "cache"
    build_into(corpus, tmp_path / "dist", cache)
    for path in sorted(corpus.rglob("*.md")):
        path.unlink()
    left = len([p for p in corpus.rglob("*") if p.is_file()])
    (cache / "ab").mkdir(exist_ok=True)
    (cache / "ab" / "notes.json").write_bytes(b"someone else's file")
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == left
    assert len([p for p in cache.glob("*/*.json") if p.name != "notes.json"]) == left
    assert (cache / "ab" / "notes.json").exists(), "prune deletes only the cache's own entries"
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172")


def test_keys_change_with_the_name_the_bytes_and_the_options(tmp_path: Path) -> None:
    plain = ParseCache(tmp_path, cache_salt(None, []))
    latin = ParseCache(tmp_path, cache_salt("latin-1", []))
    assert plain.key("a.txt", b"text") == plain.key("a.txt", b"text")
    assert len({plain.key("a.txt", b"text"), plain.key("b.txt", b"text"), plain.key("a.txt", b"text2")}) == 3
    assert plain.key("a.txt", b"text") != latin.key("a.txt", b"text")
    # the length prefix keeps name and bytes apart: ("ab", "c") is not ("a", "bc")
    assert plain.key("ab", b"c") != plain.key("a", b"bc")


def test_a_source_that_fails_is_not_cached(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_corpus(folder, 3, seed=2)
    (folder / "broken.txt").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    cache = tmp_path / "cache"
    report = build(
        BuildOptions(
            sources=[str(folder)], out=tmp_path / "dist", site=False, root=folder, cache=cache, skip_bad_sources=True
        )
    )
    assert report.resolutions == 3
    assert [d.source for d in report.diagnostics if d.code == "unreadable"] == ["broken.txt"]
    assert len(list(cache.glob("*/*.json"))) == 3


def test_workers_hand_hits_back_once_and_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    """The parallel path: hits come back as the entry's bytes; the results equal one process's parse."""
    from cndkg.forking import workers
    from cndkg.parse_parallel import parse_all, parse_sources
    from cndkg.pipeline import collect_sources, lexicon_for
    from cndkg.registry import load_registry

    folder = tmp_path / "corpus"
    write_corpus(folder, 30, seed=5)
    registry = load_registry()
    names, lexicon = registry.state_names_with_and, lexicon_for(registry)
    sources, _ = collect_sources([str(folder)], folder)
    cache = ParseCache(tmp_path / "cache", cache_salt(None, sorted(names)))
    serial = parse_sources(sources, None, names, lexicon)
    with workers(2, worth_seconds=0):  # fork for any amount of work: this test is about the parallel path
        first, _ = parse_all(sources, None, names, lexicon, cache=cache)
    assert first.cache_hits == 0
    damaged = sorted((tmp_path / "cache").glob("*/*.json"))[3]
    damaged.write_bytes(b"\x80\x05not json")
    with workers(2, worth_seconds=0):
        second, _ = parse_all(sources, None, names, lexicon, cache=cache)
    assert second.cache_hits == len(sources) - 1
    assert (second.records, second.mentions, second.problems) == (serial.records, serial.mentions, serial.problems)
    assert second.cache_keys == first.cache_keys
    with workers(2, worth_seconds=0):
        third, _ = parse_all(sources, None, names, lexicon, cache=cache)
    assert third.cache_hits == len(sources), "the damaged entry was written again"


def test_workers_do_not_read_entries_the_process_already_decoded(tmp_path: Path) -> None:
    """``serve --watch`` keeps decoded results: forked workers hand back only the key of such a hit.

    The entries are deleted after the first parse, so a worker that still read them would
    find none and parse the file again (a miss).
    """
    from cndkg.forking import workers
    from cndkg.parse_parallel import parse_all
    from cndkg.pipeline import collect_sources, lexicon_for
    from cndkg.registry import load_registry

    folder = tmp_path / "corpus"
    write_corpus(folder, 30, seed=6)
    registry = load_registry()
    names, lexicon = registry.state_names_with_and, lexicon_for(registry)
    sources, _ = collect_sources([str(folder)], folder)
    cache = ParseCache(tmp_path / "cache", cache_salt(None, sorted(names)), decoded={})
    with workers(2, worth_seconds=0):
        first, _ = parse_all(sources, None, names, lexicon, cache=cache)
    assert cache.decoded is not None and len(cache.decoded) == len(sources)
    for entry in (tmp_path / "cache").glob("*/*.json"):
        entry.unlink()
    with workers(2, worth_seconds=0):
        second, _ = parse_all(sources, None, names, lexicon, cache=cache)
    assert second.cache_hits == len(sources)
    assert (second.records, second.mentions) == (first.records, first.mentions)
    assert not list((tmp_path / "cache").glob("*/*.json")), "nothing was parsed again, so nothing was written"


# --- entries cannot run code, and any entry that does not load is a miss (issue 16) ------------------


def sample(hint: Any, depth: int = 0) -> Any:
    """Return a value of a type hint with every field filled (non-default), for round trips."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return sample(next(arm for arm in args if arm is not type(None)), depth)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return (sample(args[0], depth + 1), sample(args[0], depth + 1))
        return tuple(sample(arm, depth + 1) for arm in args)
    if origin in (list, set, frozenset):
        return origin([sample(args[0], depth + 1)])
    if origin is dict:
        return {"k\u2028\ud800": sample(args[1], depth + 1)}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return list(hint)[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: sample(hints[f.name], depth + 1) for f in dataclasses.fields(hint) if f.init})
    values = {str: "t\u00e9xt \U0001f600 \ud800", int: 7, float: 0.25, bool: True}
    return values[hint]


MODEL_TYPES = sorted(
    (
        c
        for _, c in inspect.getmembers(model, inspect.isclass)
        if dataclasses.is_dataclass(c) and c.__module__ == model.__name__
    ),
    key=lambda c: c.__name__,
)


@pytest.mark.parametrize("kind", [*MODEL_TYPES, Parsed], ids=lambda c: c.__name__)
def test_every_model_type_round_trips_through_the_json_codec(kind: type, tmp_path: Path) -> None:
    """Generic over the model: a field added to a dataclass is covered without touching the codec."""
    value = sample(kind)
    assert from_json(to_json(value), kind) == value
    cache = ParseCache(tmp_path, "salt")
    cache.save("ab" * 20, value)
    assert cache.load("ab" * 20, kind) == value
    assert b"\x80" not in (tmp_path / "ab" / f"{'ab' * 20}.json").read_bytes()[:2], "JSON, not a pickle"


@dataclasses.dataclass(frozen=True)
class _KeywordOnly:
    """A dataclass the codec must build by keyword (positional arguments would fail)."""

    first: int
    rest: tuple[str, int | None]
    named: list[_KeywordOnly] = dataclasses.field(default_factory=list, kw_only=True)
    extra: dict[str, str | None] = dataclasses.field(default_factory=dict, kw_only=True)


def test_keyword_only_fields_and_fixed_tuples_round_trip() -> None:
    """The model's dataclasses are built positionally; keyword-only fields keep being built by keyword."""
    value = _KeywordOnly(1, ("a", None), named=[_KeywordOnly(2, ("b", 3), extra={"k": None})], extra={"x": "y"})
    assert from_json(to_json(value), _KeywordOnly) == value
    assert from_json(to_json(value), _KeywordOnly) == value  # the decoders bound at the first call are reused


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"records": 5}',
        b'{"records": [], "mentions": []}',
        b"\x80\x05K\x01.",
        b"[" * 100000,
    ],
)
def test_entries_of_the_wrong_shape_are_misses(tmp_path: Path, stored: bytes) -> None:
    cache = ParseCache(tmp_path, "salt")
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / f"{'ab' * 20}.json").write_bytes(stored)
    assert cache.load("ab" * 20, Parsed) is None


def cndkg(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cndkg.cli", *args], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


class Planted:
    """A pickle that creates a file when unpickled (what a hostile corpus could ship as its cache)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_cache_shipped_with_a_corpus_runs_no_code(tmp_path: Path) -> None:
    """`cndkg build .` in a downloaded folder: pickles at every key, old and new places, never run."""
    folder = tmp_path / "downloaded"
    write_corpus(folder, 3, seed=3)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    first = cndkg("build", ".", "--out", str(tmp_path / "dist"), "--no-site", "--quiet", cwd=folder, env=env)
    assert first.returncode == 0, first.stderr
    written = [p for p in [*folder.rglob("*"), *(tmp_path / "xdg").rglob("*")] if is_entry(p)]
    keys = {p.name.split(".")[0] for p in written}
    assert len(keys) == 3, written
    assert not (folder / ".cndkg-cache").exists(), "the cache is never written among the sources"
    marker = tmp_path / "code-ran"
    evil = pickle.dumps(Planted(marker))
    assert not marker.exists()
    places = [folder / ".cndkg-cache", *{p.parent.parent for p in written}]
    for place in places:
        for key in keys:
            for suffix in (".pickle", ".json"):
                (place / key[:2]).mkdir(parents=True, exist_ok=True)
                (place / key[:2] / f"{key}{suffix}").write_bytes(evil)
    again = cndkg("build", ".", "--out", str(tmp_path / "dist"), "--no-site", cwd=folder, env=env)
    assert again.returncode == 0, again.stderr
    assert not marker.exists(), "a cache entry ran code"
    assert "from the cache" not in again.stderr
    assert (tmp_path / "xdg" / "cndkg").is_dir(), "the cache lives in the user's cache folder"


def is_entry(path: Path) -> bool:
    stem, _, suffix = path.name.partition(".")
    return len(stem) == 40 and all(c in "0123456789abcdef" for c in stem) and suffix in ("pickle", "json")


def test_entries_that_do_not_load_are_misses_through_the_cli(tmp_path: Path) -> None:
    """A folder in an entry's place, garbage, JSON of the wrong shape: parsed again, the build succeeds."""
    folder = tmp_path / "corpus"
    write_corpus(folder, 4, seed=4)
    cache = tmp_path / "cache"
    env = dict(os.environ)
    args = ("build", str(folder), "--out", str(tmp_path / "dist"), "--no-site", "--cache", str(cache))
    assert cndkg(*args, "--quiet", cwd=tmp_path, env=env).returncode == 0
    entries = sorted(cache.glob("*/*.json"))
    assert len(entries) == 4
    entries[0].unlink()
    entries[0].mkdir()
    (entries[0] / "inside").write_text("x", encoding="utf-8")
    entries[1].write_bytes(b"\x00garbage{")
    entries[2].write_text('{"records": [1, 2], "mentions": "no"}', encoding="utf-8")
    again = cndkg(*args, cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "1 of 4 files from the cache" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_memory_error_while_loading_is_a_miss(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    build_into(corpus, tmp_path / "dist", cache)

    def exhausted(*args: object, **kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr("cndkg.cache.from_json", exhausted)  # the cache's own decoder, not json for everyone
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 0
    monkeypatch.undo()
    assert build_into(corpus, tmp_path / "dist", cache).cache_hits == 24


def test_the_default_cache_folder_is_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_folder(["corpus"]).parent == tmp_path / "xdg" / "cndkg"
    assert default_cache_folder(["a"]) != default_cache_folder(["b"])
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_folder([]).parent == tmp_path / "home" / ".cache" / "cndkg"
