"""The stages chained: sources -> documents -> resolutions -> resolved resolutions.

Each function here only calls stages through their public functions; one bad
file never stops the others (its error becomes a diagnostic), and the order of
results is the sorted order of the source names, so builds are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cndkg.errors import SourceError
from cndkg.find import Lexicon, find
from cndkg.model import Diagnostic, ResolvedResolution, Severity, SourceDocument
from cndkg.read import SUPPORTED_SUFFIXES, read
from cndkg.registry import Registry
from cndkg.resolve import assign_iris, resolve
from cndkg.segment import segment


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read and the name it is reported and recorded under."""

    path: Path
    name: str


@dataclass
class Corpus:
    """Everything read and resolved from a set of sources."""

    documents: list[SourceDocument] = field(default_factory=list)
    resolved: list[ResolvedResolution] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failed_sources: list[str] = field(default_factory=list)


def collect_sources(arguments: Iterable[str | Path], root: Path | None = None) -> tuple[list[Source], list[Diagnostic]]:
    """Expand files and folders into sources.

    Takes the paths given by the user and an optional folder to report names
    relative to. Returns the sources, sorted by name (folders are searched
    recursively for the supported suffixes), and a diagnostic per missing path
    or folder without sources.
    """
    sources: dict[str, Source] = {}
    problems: list[Diagnostic] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
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
            for file in found:
                name = _display_name(file, path if root is None else root)
                sources[name] = Source(file, name)
        elif path.exists():
            name = _display_name(path, root) if root else str(argument)
            sources[name] = Source(path, name)
        else:
            problems.append(Diagnostic(str(argument), 0, "no such file or folder", Severity.ERROR, "missing-source"))
    return [sources[name] for name in sorted(sources)], problems


def _display_name(path: Path, root: Path | None) -> str:
    """Return the name a source is reported under: relative to ``root`` where possible, '/'-separated."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def read_sources(sources: list[Source], encoding: str | None = None) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """Read every source; a file that cannot be read becomes an error diagnostic.

    Takes the sources and an optional encoding. Returns the documents read and
    one diagnostic per failed file (``file:line: message``).
    """
    documents: list[SourceDocument] = []
    problems: list[Diagnostic] = []
    for source in sources:
        try:
            documents.append(read(source.path, encoding=encoding, display=source.name))
        except SourceError as error:
            problems.append(Diagnostic(error.path, error.line or 0, error.message, Severity.ERROR, "unreadable"))
    return documents, problems


def lexicon_for(registry: Registry) -> Lexicon:
    """Return the finder's name lexicon compiled from the registry's labels."""
    return Lexicon.from_names(
        [(e.text, e.exact_case) for e in registry.name_entries],
        [(e.text, e.exact_case) for e in registry.body_entries],
    )


def process_documents(
    documents: list[SourceDocument], registry: Registry
) -> tuple[list[ResolvedResolution], list[Diagnostic]]:
    """Segment, find and resolve every document.

    Takes the documents and the registry. Returns the resolved resolutions in
    document order and the diagnostics of files that held no resolution.
    """
    lexicon = lexicon_for(registry)
    problems: list[Diagnostic] = []
    records = []
    for document in documents:
        found = segment(document, registry.state_names_with_and)
        if not found:
            problems.append(_no_resolution(document.path))
        records.extend(found)
    iris, duplicates = assign_iris(records, registry)
    resolved = [resolve(r, find(r, lexicon), registry, iri=iri) for r, iri in zip(records, iris, strict=True) if iri]
    return resolved, problems + duplicates


def _no_resolution(path: str) -> Diagnostic:
    """Return the warning for a file that holds no resolution."""
    message = 'no resolution found: no enacting formula such as "The Commission on Narcotic Drugs," and no numbered'
    return Diagnostic(path, 1, message + " paragraphs", Severity.WARNING, "no-resolution")


def run_pipeline(
    arguments: Iterable[str | Path], registry: Registry, *, encoding: str | None = None, root: Path | None = None
) -> Corpus:
    """Run read -> segment -> find -> resolve over the given files and folders.

    Takes source paths, the registry, an optional encoding and the folder that
    names are reported relative to. Returns the :class:`Corpus`.
    """
    sources, problems = collect_sources(arguments, root)
    documents, read_problems = read_sources(sources, encoding)
    resolved, segment_problems = process_documents(documents, registry)
    corpus = Corpus(documents, resolved, problems + read_problems + segment_problems)
    corpus.failed_sources = [d.source for d in read_problems]
    for item in resolved:
        corpus.diagnostics.extend(item.diagnostics)
    return corpus
