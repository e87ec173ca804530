"""A rebuild after random edits (add, change, delete a file) writes exactly what a clean build writes.

Each step edits the corpus at random (seeded, so a failure can be replayed), rebuilds
with the cache the previous builds filled, builds the same sources again from nothing,
and compares the two output trees byte for byte. The change feed reads the previous
output's history by design, so the clean build starts from a copy of the same one.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from cndkg.bench.corpus import one_more, write_corpus
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.resolve import ResolveMemo

from .helpers import tree_hashes

pytestmark = pytest.mark.slow

COUNT = 24
_TITLED = re.compile(r"((?:^|<p>)Resolution \d+/\d+(?:</p><p>|\n\n))", re.MULTILINE)
EDITS = ("add", "change-words", "change-title", "add-citation", "delete", "delete-cited")


def _build(
    sources: Path,
    out: Path,
    cache: Path | None,
    decoded: dict[str, object] | None = None,
    resolved: ResolveMemo | None = None,
) -> BuildReport:
    options = BuildOptions(sources=[str(sources)], out=out, search=False, root=sources, cache=cache, jobs=1)
    options.decoded, options.resolved = decoded, resolved
    return build(options)


def _texts(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file())


def _edit(corpus: Path, kind: str, rng: random.Random, added: list[int]) -> str:
    """Apply one edit of ``kind`` to a random file; return what was done (for the failure message)."""
    files = _texts(corpus)
    target = rng.choice(files)
    if kind == "add":
        item = one_more(COUNT + len(added), seed=7)
        added.append(1)
        path = corpus / f"added-{len(added)}" / Path(item.path).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.text, encoding="utf-8")
        return f"added {path.relative_to(corpus)}"
    if kind.startswith("delete"):
        if kind == "delete-cited":  # a text others cite: their citations must fall back to stubs
            cited = [f for f in files if re.search(r"\b6\d/\d+\b", f.read_text(encoding="utf-8"))]
            target = rng.choice(cited or files)
        target.unlink()
        return f"deleted {target.relative_to(corpus)}"
    if kind == "change-title":  # a text whose heading is a symbol on its own line or paragraph
        target = rng.choice([f for f in files if _TITLED.search(f.read_text(encoding="utf-8"))])
    text = target.read_text(encoding="utf-8")
    if kind == "change-words":
        text = text.replace("Member States", "Member States and observers", 1)
    elif kind == "change-title":
        text = _TITLED.sub(r"\1Revised: ", text, count=1)
    else:
        gap = "</p><p>" if target.suffix == ".html" else "\n\n"
        cite = f"The Commission on Narcotic Drugs,{gap}Recalling its resolution 57/4 of 21 March 2014,{gap}"
        text = text.replace(f"The Commission on Narcotic Drugs,{gap}", cite, 1)
    assert text != target.read_text(encoding="utf-8"), f"{kind} did not change {target.name}"
    target.write_text(text, encoding="utf-8")
    return f"{kind} in {target.relative_to(corpus)}"


@pytest.mark.parametrize(("seed", "in_memory"), [(1, False), (2, True)])
def test_random_edits_rebuild_to_a_clean_builds_bytes(tmp_path: Path, seed: int, in_memory: bool) -> None:
    """``in_memory``: the builds share decoded parse results and resolved texts, as ``serve --watch``'s do."""
    corpus, cache, dist = tmp_path / "corpus", tmp_path / "cache", tmp_path / "dist"
    write_corpus(corpus, COUNT, seed=7)
    decoded: dict[str, object] | None = {} if in_memory else None
    resolved = ResolveMemo() if in_memory else None
    _build(corpus, dist, cache, decoded, resolved)
    rng, added = random.Random(seed), []
    for step, kind in enumerate(rng.sample(EDITS, len(EDITS))):
        done = _edit(corpus, kind, rng, added)
        clean = tmp_path / f"clean-{step}"
        shutil.copytree(dist, clean, symlinks=True)
        rebuilt = _build(corpus, dist, cache, decoded, resolved)
        fresh = _build(corpus, clean, None)
        assert rebuilt.cache_hits >= len(_texts(corpus)) - 1, f"step {step} ({done}) re-parsed unchanged files"
        assert 0 < rebuilt.pages_reused < rebuilt.pages, f"step {step} ({done}): no page was kept, or every one"
        assert tree_hashes(dist) == tree_hashes(clean), f"step {step} ({done}): the rebuild differs from a clean build"
        assert rebuilt.resolutions == fresh.resolutions
        assert rebuilt.store_restored and not fresh.store_restored, f"step {step} ({done}): the store was not restored"
        # the texts' views came from the previous build's, but for those near the edit
        assert rebuilt.views_read is not None and rebuilt.views_read < rebuilt.resolutions, f"step {step} ({done})"
        assert rebuilt.dump_patched, f"step {step} ({done}): the dump was sorted again"
        shutil.rmtree(clean)
        if decoded is not None:
            # every hit is kept (pruned to this build's files); an edited or added file is parsed and kept too
            assert len(decoded) == len(_texts(corpus))
