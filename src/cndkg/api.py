"""The library API: the pipeline's stages as four calls, for notebooks and other programs.

    >>> import cndkg
    >>> [r.header.symbol for r in cndkg.parse("corpus/003_91e135f48c662bd6.txt")]
    ['57/4']
    >>> dataset = cndkg.build_graph(["corpus"])
    >>> cndkg.validate(dataset).conforms
    True

Errors are :class:`cndkg.errors.CndkgError` subclasses whose messages name the
file and line, never a command-line flag (the CLI adds those hints).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph

from cndkg.model import Diagnostic, Resolution, ResolvedResolution
from cndkg.validate import ValidationOutcome, validate_graph

if TYPE_CHECKING:
    from cndkg.build import BuildReport
    from cndkg.pipeline import Corpus

__all__ = ["Dataset", "build_graph", "parse", "publish", "resolve", "validate"]


@dataclass(frozen=True)
class Dataset:
    """A built dataset: its graph (an rdflib view), the resolved texts and what was found on the way."""

    graph: Graph
    resolved: tuple[ResolvedResolution, ...]
    diagnostics: tuple[Diagnostic, ...]
    base: str


def parse(source: str | Path, text: str | None = None) -> list[Resolution]:
    """Read and segment one source: a path, or a file name with its ``text`` (the name's suffix gives the format).

    Returns the resolutions, drafts and fragments it holds, in order. Raises
    :class:`cndkg.errors.SourceError` naming the file for a source that cannot be read.
    """
    from cndkg.read import read
    from cndkg.registry import load_registry
    from cndkg.segment import segment

    names = load_registry().state_names_with_and
    if text is None:
        return segment(read(Path(source)), names)
    with tempfile.TemporaryDirectory(prefix="cndkg-parse-") as folder:
        path = Path(folder) / Path(source).name
        path.write_text(text, encoding="utf-8")
        return segment(read(path, display=str(source)), names)


def resolve(sources: Iterable[str | Path], base: str | None = None, *, encoding: str | None = None) -> Corpus:
    """Read, segment, find and resolve files or folders (no graph); return the corpus with its diagnostics.

    ``base`` is the base of the dataset's IRIs (default ``https://w3id.org/cndkg/``);
    ``encoding`` decodes plain-text sources that are not UTF-8. A source that cannot be
    read is a diagnostic (and listed in ``failed_sources``), never an exception.
    """
    from cndkg.pipeline import run_pipeline
    from cndkg.registry import load_registry

    return run_pipeline(list(sources), load_registry(base), encoding=encoding)


def build_graph(sources: Iterable[str | Path], base: str | None = None, *, encoding: str | None = None) -> Dataset:
    """Read, segment, find, resolve and model files or folders; return the dataset with its diagnostics.

    ``base`` is the base of the dataset's IRIs (default ``https://w3id.org/cndkg/``).
    """
    from cndkg.graph import build_graph as describe
    from cndkg.registry import load_registry

    registry = load_registry(base)
    corpus = resolve(sources, base, encoding=encoding)
    result = describe(corpus.settled, registry)
    return Dataset(result.graph, tuple(corpus.resolved), tuple(corpus.diagnostics), registry.minter.base)


def validate(dataset: Dataset | Graph, shapes: Path | None = None) -> ValidationOutcome:
    """Validate a dataset (or any rdflib graph) with pySHACL against cndkg's shapes (or a folder of others)."""
    from cndkg.validate import load_shapes

    return validate_graph(dataset.graph if isinstance(dataset, Dataset) else dataset, load_shapes(shapes))


def publish(sources: Iterable[str | Path], out: str | Path, base: str | None = None, **settings: Any) -> BuildReport:
    """Build the sources and publish dumps, dataset description and site into ``out``; return the build's report.

    ``settings`` are those of :class:`cndkg.build.BuildOptions` (``search=True`` to
    index the site with Pagefind, ``skip_bad_sources``, ``validator`` ...; a name it
    does not have is a TypeError). Like ``cndkg build``: nothing is published when
    a source cannot be read or the graph does not conform
    (:class:`cndkg.errors.CndkgError` says why).
    """
    from cndkg.build import BuildOptions, build

    settings.setdefault("search", False)
    return build(BuildOptions(sources=[str(s) for s in sources], out=Path(out), base=base, **settings))
