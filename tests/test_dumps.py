"""Publish, dumps: the sorted N-Triples are the same bytes whichever sort writes them; alternates per entity."""

from __future__ import annotations

import stat
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.publish.dumps import EntityGroups
from cndkg.writers.ntriples import gnu_sort
from cndkg.writers.ntriples import write_sorted as write_sorted_ntriples

ROOT = Path(__file__).resolve().parent.parent
EX = "https://w3id.org/cndkg/id/res/cnd/57/4"

# Terms whose bytes sort differently from their characters or from a locale's collation:
# upper before lower case, escapes, a tab, accents, a character outside the BMP, language tags.
TRICKY = [
    ox.Literal("Reaffirming"),
    ox.Literal("recalling"),
    ox.Literal("Zeta"),
    ox.Literal('a "quoted" word\nand a new line'),
    ox.Literal("tab\tinside"),
    ox.Literal("Côte d'Ivoire"),
    ox.Literal("Cote d'Ivoire"),
    ox.Literal("Türkiye", language="tr"),
    ox.Literal("emoji \U0001f600"),
    ox.Literal("61", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.NamedNode("https://w3id.org/cndkg/id/state/DEU"),
    ox.NamedNode("https://w3id.org/cndkg/id/state/deu"),
]


def _store() -> ox.Store:
    store = ox.Store()
    for index, value in enumerate(TRICKY):
        for subject in (EX, EX + "#op2", EX + "#pp10", EX + "#pp9"):
            predicate = ox.NamedNode(f"https://w3id.org/cndkg/ontology#p{index}")
            store.add(ox.Quad(ox.NamedNode(subject), predicate, value))
    return store


@pytest.mark.skipif(gnu_sort() is None, reason="this machine has no GNU sort")
def test_gnu_sort_writes_the_same_bytes_as_the_python_sort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # the user's locale must not change the order
    store = _store()
    write_sorted_ntriples(store, tmp_path / "python.nt")
    write_sorted_ntriples(store, tmp_path / "gnu.nt", jobs=2, sorter=gnu_sort())
    python, gnu = (tmp_path / "python.nt").read_bytes(), (tmp_path / "gnu.nt").read_bytes()
    assert python == gnu
    lines = python.split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == len(store) == 4 * len(TRICKY)
    assert lines[:-1] == sorted(lines[:-1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gnu.nt", "python.nt"]  # no temporary files left


def test_an_empty_graph_gives_an_empty_file_both_ways(tmp_path: Path) -> None:
    write_sorted_ntriples(ox.Store(), tmp_path / "python.nt")
    assert (tmp_path / "python.nt").read_bytes() == b""
    if gnu_sort() is not None:
        write_sorted_ntriples(ox.Store(), tmp_path / "gnu.nt", sorter=gnu_sort())
        assert (tmp_path / "gnu.nt").read_bytes() == b""


def test_a_failing_sort_is_an_error_naming_the_file_and_the_reason(tmp_path: Path) -> None:
    sorter = tmp_path / "sort"
    message = "sort: write failed: No space left on device"
    sorter.write_text(f"#!/bin/sh\nhead -c 10 >/dev/null\necho '{message}' >&2\nexit 2\n")
    sorter.chmod(sorter.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(OSError, match=r"out\.nt: sorting the N-Triples failed .*exited 2.*No space left on device"):
        write_sorted_ntriples(_store(), tmp_path / "out.nt", sorter=str(sorter))


def _groups_of(subjects: list[str], wanted: list[str]) -> list[tuple[str, list[str]]]:
    completed: list[tuple[str, list[str]]] = []
    groups = EntityGroups(
        {key: f"page of {key}" for key in wanted}, lambda folder, items: completed.append((folder, items))
    )
    for subject in sorted(subjects, key=lambda iri: f"<{iri}> ".encode()):  # the order of N-Triples lines
        groups.add(subject, subject)
    groups.close()
    return completed


def test_entity_groups_keep_nested_entities_apart() -> None:
    # Sorted, 57/4's hash IRIs come first, then 57/40 (nested in the same run of "57/4"), then 57/4 itself.
    subjects = [EX, EX + "#op2", EX + "#pp1", EX + "0", EX + "0#op1", EX + "1", EX + "/x"]
    completed = dict(_groups_of(subjects, [EX, EX + "0", EX + "/x"]))
    assert completed == {
        f"page of {EX}": [EX + "#op2", EX + "#pp1", EX],
        f"page of {EX}0": [EX + "0#op1", EX + "0"],
        f"page of {EX}/x": [EX + "/x"],
    }


def test_entity_groups_complete_each_entity_once_and_as_soon_as_its_run_ends() -> None:
    completed = _groups_of([EX + "#a", EX, "https://w3id.org/cndkg/id/treaty/t"], [EX, "https://w3id.org/cndkg/id/x"])
    assert [folder for folder, _ in completed] == [f"page of {EX}", "page of https://w3id.org/cndkg/id/x"]
    assert completed[1][1] == []  # a page whose entity the stream never named still gets (empty) alternates


def test_entity_groups_ignore_subjects_without_a_page() -> None:
    assert _groups_of([EX + "0", EX + "0#op1"], [EX]) == [(f"page of {EX}", [])]


def test_turtle_is_its_prefix_lines_then_each_subject_block_on_its_own(tmp_path: Path) -> None:
    from cndkg.publish.blocks import subject_blocks
    from cndkg.writers import turtle
    from cndkg.writers.ntriples import write_sorted

    store = _store()
    store.load(path=str(ROOT / "ontology" / "cndkg.ttl"), format=ox.RdfFormat.TURTLE)  # many prefixes, many kinds
    for quad in list(store):
        if not isinstance(quad.subject, ox.NamedNode) or isinstance(quad.object, ox.BlankNode):
            store.remove(quad)  # the dataset has no blank nodes
    write_sorted(store, tmp_path / "sorted.nt")
    whole = turtle.serialize(ox.parse(path=str(tmp_path / "sorted.nt"), format=ox.RdfFormat.N_TRIPLES))
    blocks = [
        turtle.subject_block(ox.parse(block.lines, format=ox.RdfFormat.N_TRIPLES))
        for block in subject_blocks(tmp_path / "sorted.nt")
    ]
    assert len(blocks) > 50
    assert turtle.header() + b"".join(blocks) == whole
    assert turtle.serialize([]) == b""  # no triples, no prefix lines: an empty dump is an empty file
