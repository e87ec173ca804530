"""A rebuild validates only the nodes near what changed, and finds what a full validation finds.

The property test damages a real graph at random (seeded), validates it fully,
changes it again at random, and holds the narrowed validation of the changed
graph, which keeps the first validation's results for the nodes it does not
check, to a full validation of the changed graph. The build tests check the
wiring: a rebuild after an edit checks a few nodes, and a violation an edit
brings in (or takes out) is reported as a clean build reports it.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.api import build_graph
from cndkg.build import BuildOptions, BuildReport, build
from cndkg.delta import changed_subjects, neighbourhood
from cndkg.resources import data_dir
from cndkg.revalidate import MOST_FOCUS_NODES, ValidationMemo, revalidate
from cndkg.validate import load_shapes
from cndkg.validate_fast import reach, validate_store
from cndkg.writers.ntriples import write_sorted

BASE = "https://w3id.org/cndkg/"
_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


@pytest.fixture(scope="module")
def graph_lines() -> list[str]:
    """The bundled corpus's graph as N-Triples lines (sorted)."""
    graph = build_graph([data_dir("corpus")]).graph
    return sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph)


def _store(lines: list[str]) -> ox.Store:
    store = ox.Store()
    store.bulk_load(input="\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


Change = tuple[ox.Quad, str, ox.NamedNode | ox.BlankNode | ox.Literal]


def _changes(store: ox.Store, rng: random.Random, count: int) -> list[Change]:
    """Pick ``count`` random triples, each with a change: remove it, retype its literal, or point it elsewhere."""
    quads = sorted(store, key=str)
    return [
        (quad, rng.choice(("remove", "retype", "retarget")), rng.choice(quads).subject)
        for quad in rng.sample(quads, count)
    ]


def _apply(store: ox.Store, changes: list[Change]) -> ox.Store:
    for quad, action, other in changes:
        store.remove(quad)
        if action == "retype" and isinstance(quad.object, ox.Literal):
            store.add(ox.Quad(quad.subject, quad.predicate, ox.Literal(quad.object.value + "x", datatype=_XSD_STRING)))
        elif action == "retarget":  # the class or shape of the other node may not fit
            store.add(ox.Quad(quad.subject, quad.predicate, other))
    return store


def _dump(store: ox.Store, path: Path) -> Path:
    write_sorted(store, path, 1, None)
    return path


@pytest.mark.parametrize("seed", range(8))
def test_a_narrowed_validation_finds_what_a_full_one_finds(graph_lines: list[str], tmp_path: Path, seed: int) -> None:
    shapes = load_shapes()
    changes = _changes(_store(graph_lines), random.Random(seed), 16)
    before = _apply(_store(graph_lines), changes[:10])
    first = validate_store(before, shapes, BASE)
    after = _apply(_store(graph_lines), changes[5:])  # five changes undone, six more made
    dumps = (_dump(before, tmp_path / "before.nt"), _dump(after, tmp_path / "after.nt"))
    memo = ValidationMemo("salt", "out", (0, 0), first.keys)
    narrowed = revalidate(after, shapes, BASE, changed_subjects(*dumps), memo)
    assert narrowed is not None
    outcome, checked = narrowed
    full = validate_store(after, shapes, BASE)
    assert outcome.keys == full.keys
    assert outcome.violations == full.violations
    assert 0 < checked < len({q.subject for q in after})
    assert first.keys != full.keys  # the seeds do change what is found


def test_the_changed_subjects_are_those_of_lines_in_one_dump_only(tmp_path: Path) -> None:
    before = tmp_path / "a.nt"
    after = tmp_path / "b.nt"
    before.write_text("<a> <p> <x> .\n<b> <p> <y> .\n<c> <p> <z> .\n", encoding="utf-8")
    after.write_text("<a> <p> <x> .\n<b> <p> <w> .\n<d> <p> <z> .\n", encoding="utf-8")
    assert changed_subjects(before, after) == {"b", "c", "d"}
    after.write_text("_:n <p> <x> .\n<a> <p> <x> .\n", encoding="utf-8")
    assert changed_subjects(before, after) is None  # a blank node cannot be narrowed down to


def test_unsorted_dumps_are_not_narrowed_down(tmp_path: Path) -> None:
    from cndkg.delta import _merge_differences

    before, after = tmp_path / "a.nt", tmp_path / "b.nt"
    before.write_text("<b> <p> <x> .\n<a> <p> <x> .\n", encoding="utf-8")
    after.write_text("<a> <p> <x> .\n", encoding="utf-8")
    assert changed_subjects(before, after) is None
    assert None in list(_merge_differences(before, after))


def test_the_neighbourhood_follows_links_backwards_as_far_as_the_shapes_read(graph_lines: list[str]) -> None:
    store = _store(graph_lines)
    assert reach(load_shapes()) >= 1
    paragraph = "https://w3id.org/cndkg/id/res/cnd/57/4#pp1"
    near = neighbourhood(store, {paragraph}, 1, MOST_FOCUS_NODES)
    assert near is not None and paragraph in near
    assert "https://w3id.org/cndkg/id/res/cnd/57/4" in near  # it has the paragraph as a part
    assert neighbourhood(store, {paragraph}, 0, MOST_FOCUS_NODES) == {paragraph}


NO_Z = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix cndkg: <https://w3id.org/cndkg/ontology#> .
<https://example.org/shapes#NoZ> a sh:NodeShape ;
    sh:targetClass cndkg:OperativeParagraph ;
    sh:property [ sh:path cndkg:text ; sh:pattern "^[^Z]*$" ; sh:message "No Z in an operative paragraph." ] .
"""


def _build(corpus: Path, out: Path, cache: Path | None, shapes: Path) -> BuildReport:
    options = BuildOptions(
        sources=[str(corpus)], out=out, root=corpus, cache=cache, search=False, allow_invalid=True, shapes=shapes
    )
    return build(options)


def test_a_rebuild_reports_the_violations_an_edit_brings_in_and_takes_out(tmp_path: Path) -> None:
    corpus, out, cache, shapes = tmp_path / "corpus", tmp_path / "out", tmp_path / "cache", tmp_path / "shapes"
    shutil.copytree(data_dir("corpus"), corpus)
    shutil.copytree(data_dir("shapes"), shapes)
    (shapes / "no-z.ttl").write_text(NO_Z, encoding="utf-8")
    first = _build(corpus, out, cache, shapes)
    assert first.revalidated is None and first.conforms
    text = next(p for p in sorted(corpus.rglob("*")) if p.is_file() and "Requests" in p.read_text(encoding="utf-8"))
    original = text.read_text(encoding="utf-8")
    for edited, conforms in ((original.replace("Requests", "Zealously requests", 1), False), (original, True)):
        text.write_text(edited, encoding="utf-8")
        rebuilt = _build(corpus, out, cache, shapes)
        assert rebuilt.conforms is conforms
        assert rebuilt.revalidated is not None and 0 < rebuilt.revalidated < 100
        clean = _build(corpus, tmp_path / "clean", None, shapes)
        assert (rebuilt.conforms, rebuilt.violations) == (clean.conforms, clean.violations)
        report = (out / "shacl-report.ttl").read_bytes()
        assert report == (tmp_path / "clean" / "shacl-report.ttl").read_bytes()
        shutil.rmtree(tmp_path / "clean")
    assert _build(corpus, out, cache, shapes).revalidated == 0  # nothing changed: nothing to check
