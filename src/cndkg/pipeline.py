"""The stages chained: sources -> documents -> resolutions -> resolved resolutions.

Each function here only calls stages through their public functions; one bad
file never stops the others (its error becomes a diagnostic), and the order of
results is the sorted order of the source names, so builds are reproducible.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cndkg import collector
from cndkg.cache import ParseCache
from cndkg.find import Lexicon
from cndkg.model import Diagnostic, ResolvedCorpus, ResolvedResolution, Severity
from cndkg.parse_parallel import Parsed, parse_all
from cndkg.publish.atomic import OUTPUT_MARKER
from cndkg.read import SUPPORTED_SUFFIXES
from cndkg.registry import Registry
from cndkg.resolve import ResolveMemo, resolve_corpus
from cndkg.sources import Source


@dataclass
class Corpus:
    """Everything read and resolved from a set of sources: the input of the graph stage, and what it cost."""

    settled: ResolvedCorpus
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failures: list[Diagnostic] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    parsed: Parsed = field(default_factory=Parsed)
    parse_seconds: float = 0.0
    resolve_seconds: float = 0.0

    @property
    def resolved(self) -> list[ResolvedResolution]:
        """Return the resolved texts, in source order."""
        return list(self.settled.texts)

    @property
    def failed_sources(self) -> list[str]:
        """Return the names of the sources that could not be read, or were left out as a conflict."""
        return [d.source for d in self.failures]


def collect_sources(arguments: Iterable[str | Path], root: Path | None = None) -> tuple[list[Source], list[Diagnostic]]:
    """Expand files and folders into sources.

    Takes the paths given by the user and an optional folder to report names
    relative to. Returns the sources, sorted by name (folders are searched
    recursively for the supported suffixes), and a diagnostic per missing path
    or folder without sources. Inside a folder, a link (to a file or a folder)
    that leads out of it is not followed, with a warning naming the link, and a
    folder cndkg built (its output, or one left by an interrupted build: it holds
    the marker file) is never read, so ``--out`` may lie inside a source folder.
    """
    sources: dict[str, Source] = {}
    problems: list[Diagnostic] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            if (path / OUTPUT_MARKER).exists():
                problems.append(
                    Diagnostic(
                        str(argument),
                        0,
                        f"is a folder cndkg built (it holds {OUTPUT_MARKER}); its pages are not read as sources",
                        Severity.ERROR,
                        "output-folder",
                    )
                )
                continue
            shown_from = path if root is None else root
            found = _files_in(path, problems, shown_from)
            if not found:
                problems.append(
                    Diagnostic(
                        str(argument),
                        0,
                        f"folder holds no {', '.join(SUPPORTED_SUFFIXES)} files",
                        Severity.ERROR,
                        "no-sources",
                    )
                )
            shown_resolved = shown_from.resolve()
            for file, resolved in found:
                name = _name_under(resolved, shown_resolved) or file.as_posix()
                _add_source(sources, problems, Source(file, name))
        elif path.exists():
            name = _display_name(path, root) if root else str(argument)
            _add_source(sources, problems, Source(path, name))
        else:
            problems.append(Diagnostic(str(argument), 0, "no such file or folder", Severity.ERROR, "missing-source"))
    return [sources[name] for name in sorted(sources)], problems


def _files_in(folder: Path, problems: list[Diagnostic], shown_from: Path) -> list[tuple[Path, Path]]:
    """Return the source files under ``folder`` with their resolved paths, sorted.

    Never leaves the folder by a link, nor enters cndkg's output. The walk enters
    no linked folder, so a file that is not a link resolves to the resolved folder
    joined with its relative path: only links are resolved one by one. Directory
    entries tell a link, a file and a folder apart without a system call each
    (resolving and testing every path took a second at 10,000 files).
    """
    inside = folder.resolve()
    found: list[tuple[Path, Path]] = []
    pending = [(folder, inside)]  # depth first, folders in sorted order, each before what it holds
    while pending:
        here, resolved = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError:  # an unreadable folder is skipped, as os.walk does
            continue
        folders = sorted((entry for entry in entries if _is(entry.is_dir)), key=lambda entry: entry.name)
        kept = [entry.name for entry in folders if _enters(here / entry.name, entry, inside, problems, shown_from)]
        skipped = {entry.name for entry in folders}  # links to folders included
        for entry in entries:
            if entry.name not in skipped and _suffix(entry.name).lower() in SUPPORTED_SUFFIXES:
                _add_file(here / entry.name, resolved / entry.name, entry, inside, problems, shown_from, found)
        pending.extend((here / name, resolved / name) for name in reversed(kept))
    return sorted(found)


def _enters(sub: Path, entry: os.DirEntry[str], inside: Path, problems: list[Diagnostic], shown_from: Path) -> bool:
    """Return whether the walk enters a subfolder: not a link (named when it leads out), not cndkg's output."""
    if entry.is_symlink():
        if not _leads_inside(sub, inside):
            problems.append(_link_outside(sub, shown_from))
        return False
    return not os.path.exists(os.path.join(entry.path, OUTPUT_MARKER))


def _add_file(
    file: Path,
    resolved: Path,
    entry: os.DirEntry[str],
    inside: Path,
    problems: list[Diagnostic],
    shown_from: Path,
    found: list[tuple[Path, Path]],
) -> None:
    """Add a file with its resolved path to ``found``; a link is followed only when it stays inside (else named)."""
    if entry.is_symlink():
        if not _leads_inside(file, inside):
            problems.append(_link_outside(file, shown_from))
        elif _is(entry.is_file):
            found.append((file, file.resolve()))
    elif _is(entry.is_file):
        found.append((file, resolved))


def _is(test: Callable[[], bool]) -> bool:
    """Return a directory entry's test (``is_dir``, ``is_file``), False when it raises as os.walk takes it.

    Following a link can fail: a loop of links, a link through a file, a folder without permission.
    """
    try:
        return test()
    except OSError:
        return False


def _suffix(name: str) -> str:
    """Return a file name's suffix as :attr:`pathlib.PurePath.suffix` does (``..txt`` has ``.txt``)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _leads_inside(link: Path, folder: Path) -> bool:
    """Return True when ``link``, with every link on the way followed, ends inside ``folder``."""
    try:
        return link.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a loop of links
        return False


def _link_outside(link: Path, shown_from: Path) -> Diagnostic:
    """Return the warning for a link that leads out of the source folder."""
    try:
        name = link.absolute().relative_to(shown_from.absolute()).as_posix()
    except ValueError:
        name = link.as_posix()
    return Diagnostic(
        name, 0, "is a link that leads out of the source folder; not followed", Severity.WARNING, "link-outside"
    )


def _add_source(sources: dict[str, Source], problems: list[Diagnostic], source: Source) -> None:
    """Add a source unless another file already has its name (then report both, keep the first)."""
    other = sources.get(source.name)
    if other is None:
        sources[source.name] = source
    elif other.path.resolve() != source.path.resolve():
        problems.append(
            Diagnostic(
                source.name,
                0,
                f"two sources have this name ({other.path} and {source.path}): "
                "the second is left out; build the folders separately or rename one",
                Severity.ERROR,
                "name-collision",
            )
        )


def _display_name(path: Path, root: Path | None) -> str:
    """Return the name a source is reported under: relative to ``root`` where possible, '/'-separated."""
    if root is not None:
        name = _name_under(path.resolve(), root.resolve())
        if name is not None:
            return name
    return path.as_posix()


def _name_under(resolved: Path, root: Path) -> str | None:
    """Return a resolved path's '/'-separated name relative to the resolved ``root``, or None when outside it."""
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return None


def lexicon_for(registry: Registry) -> Lexicon:
    """Return the finder's name lexicon compiled from the registry's labels."""
    return Lexicon.from_names(
        [(e.text, e.exact_case) for e in registry.name_entries],
        [(e.text, e.exact_case) for e in registry.body_entries],
    )


def run_pipeline(
    arguments: Iterable[str | Path],
    registry: Registry,
    *,
    encoding: str | None = None,
    root: Path | None = None,
    cache: ParseCache | None = None,
    resolved: ResolveMemo | None = None,
) -> Corpus:
    """Run the stage chain read -> segment -> find -> resolve over the given files and folders.

    Takes source paths, the registry, an optional encoding, the folder that
    names are reported relative to, an optional parse cache (the per-file
    stages run on the worker pool: :mod:`cndkg.forking`) and, in a process that
    builds again and again, the texts it resolved last time. Returns the :class:`Corpus`. This is the
    one place the chain is written: ``cndkg build``, the library API and the
    other commands all call it.
    """
    sources, problems = collect_sources(arguments, root)
    lexicon = lexicon_for(registry)
    with collector.paused():
        parsed, parse_seconds = parse_all(sources, encoding, registry.state_names_with_and, lexicon, cache)
        start = time.perf_counter()
        settled = resolve_corpus(parsed.records, parsed.mentions, registry, resolved)
        resolve_seconds = time.perf_counter() - start
    found = problems + parsed.problems + list(settled.diagnostics)
    corpus = Corpus(settled, found, [d for d in found if d.severity is Severity.ERROR])
    corpus.sources, corpus.parsed = sources, parsed
    corpus.parse_seconds, corpus.resolve_seconds = parse_seconds, resolve_seconds
    for item in settled.texts:
        corpus.diagnostics.extend(item.diagnostics)
    return corpus
