"""Full-text search for the static site: Pagefind indexes the entity pages in shards.

The pages are grouped into shards: the texts (resolutions and drafts) by body
and session, every other kind of page (states, treaties, SDG targets ...) by
its section; small shards join a shared one (:data:`SMALL_SHARD`). Each shard
is a Pagefind bundle of its own (``pagefind/<shard>/``) and the search box
searches them all at once (Pagefind's ``mergeIndex``).

A shard is indexed again only when what Pagefind reads of its pages changed:
each page's *searched digest* is taken over its HTML without the regions
marked ``data-pagefind-ignore`` (the "Cited by" list and the citation
network, which other texts' edits change). An edited text re-indexes its own
session's shard; the other bundles are hard-linked from the previous output.
Pagefind's output is a function of the pages it reads, so a kept bundle has
the bytes a fresh run would write.

Sharding also bounds Pagefind's memory by the largest shard, not the site:
at 10,000 texts one run over every page took 2.4 GiB.

The shards are indexed one after another by a small runner process
(``python -m cndkg.publish.search JOB``, the plan in a scratch file) in its
own process group, in the background while the build writes the dumps; a
failed build kills the group, so no Pagefind process outlives it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cndkg.errors import BuildError

BUNDLES = "pagefind"
"""The folder of the search bundles (one sub-folder per shard) and of the search box's script and style."""

UNSEARCHED = frozenset({"source"})
"""Page folders the search index leaves out: a source file's page only names the file and what came from it
(10,000 of the 22,442 pages at 10,000 texts). On a page, the search index also leaves out the citation
network and the "Cited by" list (``data-pagefind-ignore``): other texts' titles, which made a text a hit
for words it does not contain. Together they took Pagefind from 42 to 35 s of CPU and from 3.0 to 2.5 GiB
on a 10,000-text site."""

TEXT_SECTIONS = frozenset({"res", "draft"})
"""Page folders of texts, sharded by body and session (``res/cnd/66/1`` and ``draft/cnd/66/L.2`` together)."""

UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")
"""The search box (Pagefind's default UI): kept once, in ``pagefind/``."""

SPARE_FILES = (
    *UI_FILES,
    "pagefind-component-ui.css",
    "pagefind-component-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-highlight.js",
)
"""What every Pagefind run writes besides the index, and a merged index does not need (about 450 KB a shard)."""

SMALL_SHARD = 50
"""Shards of fewer pages join a shared one (a session's texts their body's, another kind's pages ``other``):
the search box loads every bundle on the first search, and a corpus cites resolutions of many sessions."""

MANIFEST_FILE = "search-shards.json"
"""In the cache folder: the digest of every shard the last build indexed, and the output folder it went to."""

MANIFEST_FORMAT = 1

_IGNORED = re.compile(r"<(section|figure|div|aside|nav)\b[^>]*\bdata-pagefind-ignore\b[^>]*>.*?</\1>", re.S)
_GLOB_SPECIAL = re.compile(r"([\\{}\[\]*?,()<>!:])")


def shard_of(path: str) -> str | None:
    """Return the shard an entity page's path belongs to, or None if search leaves its section out.

    ``res/cnd/66/1`` -> ``texts-cnd-66``; ``res/ga/S-30/1`` -> ``texts-ga``
    (sessions that are not numbers share their body's shard); ``state/ISR`` -> ``state``.
    """
    parts = path.split("/")
    if parts[0] in UNSEARCHED:
        return None
    if parts[0] in TEXT_SECTIONS and len(parts) >= 2:
        if len(parts) >= 3 and parts[2].isdigit():
            return f"texts-{parts[1]}-{parts[2]}"
        return f"texts-{parts[1]}"
    return parts[0]


def searched_digest(html: str) -> str:
    """Return the digest of what Pagefind reads of a page: its HTML without the ``data-pagefind-ignore`` regions.

    A region is cut up to the first closing tag of its element's name, never
    beyond its end, so a change anywhere outside the ignored regions changes
    the digest (a nested element of the same name only leaves more in).
    """
    return hashlib.blake2b(_IGNORED.sub("", html).encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Shard:
    """One search bundle: its name, its pages' paths (sorted) and the digest of what Pagefind reads of them."""

    key: str
    pages: tuple[str, ...]
    digest: str

    @property
    def folder(self) -> str:
        """Return the bundle's folder, relative to the site."""
        return f"{BUNDLES}/{self.key}"

    def glob(self) -> str:
        """Return the Pagefind glob matching exactly this shard's pages (special characters escaped)."""
        escaped = [_GLOB_SPECIAL.sub(r"\\\1", page) for page in self.pages]
        return ("{" + ",".join(escaped) + "}" if len(escaped) > 1 else escaped[0]) + "/index.html"


@dataclass(frozen=True)
class SearchPlan:
    """Every shard of this build, and which of them Pagefind must index (the others are kept)."""

    shards: tuple[Shard, ...]
    stale: frozenset[str]
    salt: str

    @property
    def bundles(self) -> list[str]:
        """Return the bundles' folders relative to the site, each ending in ``/`` (what the search box loads)."""
        return [shard.folder + "/" for shard in self.shards]


def search_salt() -> str:
    """Return what, besides the pages, decides a bundle's bytes: this code and the Pagefind binary it runs."""
    from pagefind.service import get_executable

    from cndkg.cache import running_code
    from cndkg.publish.atomic import file_stamp

    binary = get_executable()
    stamp = file_stamp(binary) if binary is not None else None
    return f"{MANIFEST_FORMAT} {running_code().hex()} {binary} {stamp}"


def plan_search(digests: Mapping[str, str], previous: Mapping[str, str] | None = None) -> SearchPlan:
    """Group the searched pages into shards and decide which to index.

    Takes each entity page's searched digest by path, and the shard digests
    the previous build indexed into the output it replaces (None: none). A
    shard whose digest is unchanged is kept.
    """
    groups = _group_pages(digests)
    salt = search_salt()
    shards = []
    for key, paths in sorted(groups.items()):
        pages = tuple(sorted(paths))
        digest = hashlib.blake2b(salt.encode(), digest_size=16)
        for page in pages:
            digest.update(f"{page}\t{digests[page]}\n".encode())
        shards.append(Shard(key, pages, digest.hexdigest()))
    known = previous or {}
    stale = frozenset(shard.key for shard in shards if known.get(shard.key) != shard.digest)
    return SearchPlan(tuple(shards), stale, salt)


def _group_pages(paths: Iterable[str]) -> dict[str, list[str]]:
    """Return the searched pages by shard, small shards joined (see :data:`SMALL_SHARD`)."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        key = shard_of(path)
        if key is not None:
            groups.setdefault(key, []).append(path)
    joined: dict[str, list[str]] = {}
    for key, pages in groups.items():
        if len(pages) < SMALL_SHARD:
            key = key.rsplit("-", 1)[0] if key.count("-") >= 2 else "other"
        joined.setdefault(key, []).extend(pages)
    return joined


@dataclass(frozen=True)
class Manifest:
    """What the last build indexed: each shard's digest, and the stamp of its bundle's entry file in the output."""

    digests: dict[str, str]
    stamps: dict[str, tuple[int, int]]


def load_manifest(cache: Path | None, out: Path) -> Manifest | None:
    """Return the shards the last build into ``out`` recorded in ``cache`` (None: none that fit)."""
    if cache is None:
        return None
    try:
        stored = json.loads((cache / MANIFEST_FILE).read_text(encoding="utf-8"))
        if stored.get("salt") != search_salt() or stored.get("out") != str(out.resolve()):
            return None
        digests: dict[str, str] = {}
        stamps: dict[str, tuple[int, int]] = {}
        for key, (digest, size, mtime) in stored["shards"].items():
            if not isinstance(key, str) or not isinstance(digest, str):
                return None
            digests[key], stamps[key] = digest, (int(size), int(mtime))
        return Manifest(digests, stamps)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_manifest(cache: Path, out: Path, plan: SearchPlan) -> None:
    """Record this build's shards in ``cache``, each with the stamp of its bundle now in ``out``.

    The stamps tie the record to the bundles it describes: a bundle another
    build wrote (without this cache folder, say) has another, and is indexed
    again rather than kept. A cache that cannot be written only costs indexing.
    """
    from cndkg.cache import write_record
    from cndkg.publish.atomic import file_stamp

    shards = {}
    for shard in plan.shards:
        stamp = file_stamp(out / shard.folder / "pagefind-entry.json")
        if stamp is not None:
            shards[shard.key] = [shard.digest, *stamp]
    stored = {"salt": plan.salt, "out": str(out.resolve()), "shards": shards}
    write_record(cache / MANIFEST_FILE, json.dumps(stored, sort_keys=True).encode("utf-8"))


def discard_manifest(cache: Path) -> None:
    """Remove the shard record from ``cache`` (the last build wrote no search index, or it could not be saved)."""
    with contextlib.suppress(OSError):
        (cache / MANIFEST_FILE).unlink(missing_ok=True)


def keep_bundles(work: Path, previous: Path, plan: SearchPlan, stamps: Mapping[str, tuple[int, int]]) -> SearchPlan:
    """Link the bundles of the shards that need no indexing from the previous output into ``work``.

    Takes the stamps the manifest recorded for the bundles' entry files.
    Returns the plan with every shard whose bundle could not be kept marked
    stale (a bundle missing from the previous output, or not the one
    recorded, is indexed again).
    """
    from cndkg.publish.atomic import file_stamp, keep_or_link

    stale = set(plan.stale)
    for shard in plan.shards:
        if shard.key in stale:
            continue
        source = previous / shard.folder
        if file_stamp(source / "pagefind-entry.json") != stamps.get(shard.key):
            stale.add(shard.key)
            continue
        for file in sorted(source.rglob("*")):
            target = work / shard.folder / file.relative_to(source)
            if file.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                keep_or_link(file, target)
    ui = [previous / BUNDLES / name for name in UI_FILES]
    if not stale and plan.shards and not all(path.is_file() for path in ui):
        stale.add(plan.shards[0].key)  # the search box's files come with a run of Pagefind
    elif not stale:
        for path in ui:
            keep_or_link(path, work / BUNDLES / path.name)
    return SearchPlan(plan.shards, frozenset(stale), plan.salt)


class Indexer:
    """The runner indexing a plan's stale shards, one Pagefind run each, in its own process group."""

    def __init__(self, folder: Path, plan: SearchPlan) -> None:
        from pagefind.service import get_executable

        binary = get_executable()
        if binary is None:
            raise BuildError("search index: the pagefind binary is not installed (pip install pagefind[bin])")
        stale = [shard for shard in plan.shards if shard.key in plan.stale]
        site = str(folder.resolve())
        job = {
            "site": site,
            "binary": str(binary),
            "shards": [{"key": s.key, "glob": s.glob(), "pages": len(s.pages)} for s in stale],
        }
        # The job goes in a scratch folder this process removes, even when it kills the runner (a long plan
        # would fill a pipe before the runner reads it; Pagefind reads its settings from a file there).
        self._scratch = Path(tempfile.mkdtemp(prefix="cndkg-search-"))
        job["scratch"] = str(self._scratch)
        self._job = self._scratch / "job.json"
        try:
            self._job.write_text(json.dumps(job), encoding="utf-8")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cndkg.publish.search", str(self._job), site],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        except BaseException:
            shutil.rmtree(self._scratch, ignore_errors=True)
            raise

    def wait(self) -> None:
        """Wait for every shard to be indexed; raise BuildError with the runner's message if one failed."""
        output, _ = self.process.communicate()
        shutil.rmtree(self._scratch, ignore_errors=True)
        if self.process.returncode != 0:
            raise BuildError(f"search index: pagefind failed: {(output or '').strip()[:500]}")

    def stop(self) -> None:
        """Kill the runner and the Pagefind run it waits for (its process group), if still running, and reap them."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.process.communicate(timeout=30)
        shutil.rmtree(self._scratch, ignore_errors=True)


@contextlib.contextmanager
def background_index(folder: Path, plan: SearchPlan) -> Iterator[Indexer]:
    """Start indexing the plan's stale shards of ``folder`` and yield the indexer; stop it when the block ends.

    The block must call :meth:`Indexer.wait` to keep the index; leaving early
    (an error, an interrupt) kills the runner's process group, so no indexer
    outlives a failed build.
    """
    indexer = Indexer(folder, plan)
    try:
        yield indexer
    finally:
        indexer.stop()


def run_shards(job: Mapping[str, object]) -> None:
    """Index each shard of a job with one Pagefind run, then keep only what a merged index needs.

    The runner's body: ``job`` holds the site folder, a scratch folder (its
    caller's, which removes it), the Pagefind binary and the shards (key,
    exact glob, page count). Pagefind reads its settings from a
    ``pagefind.json`` in the scratch folder, so no glob is too long for the
    command line. Raises RuntimeError when a run fails or indexes another
    number of pages than the shard holds.
    """
    site, scratch = Path(str(job["site"])), Path(str(job["scratch"]))
    shards = job["shards"]
    assert isinstance(shards, list)
    for index, shard in enumerate(shards):
        folder = f"{BUNDLES}/{shard['key']}"
        config = {"glob": shard["glob"], "output_subdir": folder, "silent": True}
        Path(scratch, "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        command = [str(job["binary"]), "--site", str(site)]
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"shard {shard['key']}: {(done.stdout + done.stderr).strip()[:400]}")
        entry = json.loads((site / folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        counted = sum(int(language["page_count"]) for language in entry["languages"].values())
        if counted != shard["pages"]:
            raise RuntimeError(f"shard {shard['key']}: Pagefind indexed {counted} of {shard['pages']} pages")
        for name in SPARE_FILES:
            spare = site / folder / name
            if index == 0 and name in UI_FILES:
                spare.replace(site / BUNDLES / name)
            else:
                spare.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """Run the job in the file ``argv[0]`` names (see :func:`run_shards`); exit 1 with the reason on failure.

    ``argv[1]``, the site folder, is there so that a process listing shows what the runner works on.
    """
    try:
        run_shards(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
