"""The texts' views kept between builds: the positional codec, the kept file, and views patched by delta.

The patch tests edit the real graph of the bundled corpus in the ways a view
depends on (a text's own triples, its body's label, its source file's name, the
documents its citations' targets are published in) and hold the patched views to
:func:`read_texts` of the whole graph after the edit.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
import pytest

from cndkg.cache import ShapeError
from cndkg.delta import changed_subjects, family, nearby
from cndkg.model import FootnoteRef
from cndkg.publish.textcache import VIEWS_FILE, load_views, save_views, vouched
from cndkg.publish.textview import TextView, patch_texts, read_texts
from cndkg.rowcodec import from_row, row_decoder, to_row

from .test_revalidate import _dump, _store, graph_lines  # noqa: F401  (module fixture)

CNDKG = "https://w3id.org/cndkg/ontology#"
SKOS_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
PUBLISHED_IN = ox.NamedNode(CNDKG + "publishedIn")
PASSED_BY = ox.NamedNode("http://data.europa.eu/eli/ontology#passed_by")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
TEXT = ox.NamedNode(CNDKG + "text")


# --- the positional codec ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def views(graph_lines: list[str]) -> dict[str, TextView]:  # noqa: F811
    return read_texts(_store(graph_lines))


def test_every_view_of_the_corpus_comes_back_from_its_row(views: dict[str, TextView]) -> None:
    for view in views.values():
        assert from_row(json.loads(json.dumps(to_row(view))), TextView) == view


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (["a"], FootnoteRef),  # too few values
        (["a", 1, 2], FootnoteRef),  # too many
        ({"label": "a", "offset": 1}, FootnoteRef),  # named, not positional
        ([1, 1], FootnoteRef),  # an int for a str
        (["a", True], FootnoteRef),  # a bool for an int
        (["a", "1"], FootnoteRef),  # a str for an int
        (["a", None], FootnoteRef),  # null where no None is allowed
        ("other", Literal["adopted", "draft"]),
        (1, Literal["adopted", "draft"]),
        ("a", tuple[str, ...]),
        ([1], tuple[str, ...]),
    ],
)
def test_a_row_of_another_shape_is_refused(data: object, hint: object) -> None:
    with pytest.raises(ShapeError):
        row_decoder(hint)(data)


@pytest.mark.parametrize(
    ("data", "hint", "expected"),
    [
        (["(a)", 4], FootnoteRef, FootnoteRef("(a)", 4)),
        ([["a", 1], ["b", 2]], tuple[FootnoteRef, ...], (FootnoteRef("a", 1), FootnoteRef("b", 2))),
        (None, int | None, None),
        (3, int | None, 3),
        (3, float, 3.0),
        ("draft", Literal["adopted", "draft"], "draft"),
    ],
)
def test_rows_decode_what_the_hints_name(data: object, hint: object, expected: object) -> None:
    decoded = row_decoder(hint)(data)
    assert decoded == expected and type(decoded) is type(expected)


@dataclass(frozen=True)
class _KeywordOnly:
    name: str = field(kw_only=True)


@pytest.mark.parametrize("hint", [dict[str, int], int | str, set[str], tuple[int, str], object, _KeywordOnly])
def test_rows_refuse_hints_they_do_not_hold(hint: object) -> None:
    with pytest.raises(TypeError):
        row_decoder(hint)


# --- the file the cache keeps -----------------------------------------------------------------------------


def _output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "cndkg.nt").write_bytes(b'<http://x/a> <http://x/p> "x" .\n')
    return out


def test_kept_views_come_back_for_the_output_they_were_kept_for(tmp_path: Path, views: dict[str, TextView]) -> None:
    cache, out = tmp_path / "cache", _output(tmp_path)
    save_views(cache, out, "salt", views, None)
    kept = load_views(cache, out, "salt")
    assert kept is not None and kept.views == views and list(kept.views) == list(views)
    assert vouched(cache, out, "salt")


def test_kept_lines_are_copied_and_other_views_encoded(tmp_path: Path, views: dict[str, TextView]) -> None:
    cache, out = tmp_path / "cache", _output(tmp_path)
    save_views(cache, out, "salt", views, None)
    header, *lines = (cache / VIEWS_FILE).read_bytes().splitlines()
    spaced = [line.replace(b'", "', b'",  "', 1) for line in lines]  # the same JSON, other bytes
    (cache / VIEWS_FILE).write_bytes(b"\n".join([header, *spaced]) + b"\n")
    kept = load_views(cache, out, "salt")
    assert kept is not None and kept.views == views
    again = dict(kept.views)
    first = next(iter(again))
    again[first] = views[first]  # equal, but not the object read from the file: encoded again
    save_views(cache, out, "salt", again, kept)
    written = (cache / VIEWS_FILE).read_bytes().splitlines()[1:]
    assert written[0] == lines[0] and written[1:] == spaced[1:], "kept lines are copied, byte for byte"
    assert (kept2 := load_views(cache, out, "salt")) is not None and kept2.views == views


Spoil = Callable[[Path, Path], None]


def _touch_dump(cache: Path, out: Path) -> None:
    dump = out / "cndkg.nt"
    dump.write_bytes(dump.read_bytes() + b'<http://x/b> <http://x/p> "y" .\n')


def _damage(cache: Path, out: Path) -> None:
    path = cache / VIEWS_FILE
    path.write_bytes(path.read_bytes() + b'["http://x/t", ["not", "a", "view"]]\n')


def _truncate(cache: Path, out: Path) -> None:
    path = cache / VIEWS_FILE
    path.write_bytes(path.read_bytes()[:-40])


@pytest.mark.parametrize(
    ("spoil", "salt"),
    [
        (lambda cache, out: None, "other salt"),
        (_touch_dump, "salt"),
        (_damage, "salt"),
        (_truncate, "salt"),
        (lambda cache, out: (cache / VIEWS_FILE).unlink(), "salt"),
        (lambda cache, out: (out / "cndkg.nt").unlink(), "salt"),
    ],
    ids=["other-salt", "touched-dump", "damaged-row", "truncated", "no-file", "no-dump"],
)
def test_kept_views_are_not_used_unless_they_are_the_outputs(
    tmp_path: Path, views: dict[str, TextView], spoil: Spoil, salt: str
) -> None:
    cache, out = tmp_path / "cache", _output(tmp_path)
    save_views(cache, out, "salt", views, None)
    spoil(cache, out)
    assert load_views(cache, out, salt) is None
    assert vouched(cache, out, salt) is (spoil in (_damage, _truncate)), "the header alone vouches, not the rows"
    assert load_views(None, out, "salt") is None and not vouched(None, out, "salt")


def test_kept_views_are_not_used_for_another_output_folder(tmp_path: Path, views: dict[str, TextView]) -> None:
    cache, out = tmp_path / "cache", _output(tmp_path)
    save_views(cache, out, "salt", views, None)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy2(out / "cndkg.nt", other / "cndkg.nt")  # the same size and time
    assert load_views(cache, other, "salt") is None and not vouched(cache, other, "salt")
    assert load_views(cache, out, "salt") is not None


def test_views_are_not_kept_for_an_output_without_a_dump(tmp_path: Path, views: dict[str, TextView]) -> None:
    cache, out = tmp_path / "cache", _output(tmp_path)
    save_views(cache, out, "salt", views, None)
    (out / "cndkg.nt").unlink()
    save_views(cache, out, "salt", views, None)
    assert not (cache / VIEWS_FILE).exists(), "an older file must not vouch for this output"


# --- views patched by delta -------------------------------------------------------------------------------

Edit = Callable[[ox.Store, dict[str, TextView]], None]


def _objects(store: ox.Store, predicate: ox.NamedNode) -> list[ox.Quad]:
    return sorted(store.quads_for_pattern(None, predicate, None), key=str)


def _drop_text(store: ox.Store, views: dict[str, TextView]) -> None:
    gone = sorted(views)[1]
    for quad in list(store):
        if family(quad.subject.value) == gone:  # type: ignore[union-attr]
            store.remove(quad)


def _reword_paragraph(store: ox.Store, views: dict[str, TextView]) -> None:
    quad = next(q for q in _objects(store, TEXT) if "#" in q.subject.value)  # type: ignore[union-attr]
    store.remove(quad)
    store.add(ox.Quad(quad.subject, quad.predicate, ox.Literal(quad.object.value + " (reworded)")))


def _rename_body(store: ox.Store, views: dict[str, TextView]) -> None:
    body = _objects(store, PASSED_BY)[0].object
    for quad in list(store.quads_for_pattern(body, SKOS_LABEL, None)):  # type: ignore[arg-type]
        store.remove(quad)
    store.add(ox.Quad(body, SKOS_LABEL, ox.Literal("The Renamed Commission", language="en")))  # type: ignore[arg-type]


def _rename_file(store: ox.Store, views: dict[str, TextView]) -> None:
    source = _objects(store, DERIVED)[0].object
    for quad in list(store.quads_for_pattern(source, IDENTIFIER, None)):  # type: ignore[arg-type]
        store.remove(quad)
    store.add(ox.Quad(source, IDENTIFIER, ox.Literal("zz-renamed.txt")))  # type: ignore[arg-type]


def _publish_the_other_way(store: ox.Store, views: dict[str, TextView]) -> None:
    """Say the volume is published in the declaration: the order of two targets of the same words flips."""
    for quad in _objects(store, PUBLISHED_IN):
        store.remove(quad)
        store.add(ox.Quad(quad.object, PUBLISHED_IN, quad.subject))  # type: ignore[arg-type]


@pytest.mark.parametrize("edit", [_drop_text, _reword_paragraph, _rename_body, _rename_file, _publish_the_other_way])
def test_patched_views_are_the_views_of_the_whole_graph(
    graph_lines: list[str],  # noqa: F811
    views: dict[str, TextView],
    tmp_path: Path,
    edit: Edit,
) -> None:
    before = _store(graph_lines)
    after = _store(graph_lines)
    edit(after, views)
    whole = read_texts(after)
    assert whole != views, "the edit changed no view: it tests nothing"
    dump = _dump(after, tmp_path / "after.nt")
    near = nearby(after, changed_subjects(_dump(before, tmp_path / "before.nt"), dump), dump)
    assert near is not None
    patched = patch_texts(views, near.families, near.scoped)
    assert patched == whole and list(patched) == list(whole)


def test_a_patch_keeps_the_views_outside_the_families(views: dict[str, TextView], tmp_path: Path) -> None:
    empty = ox.Store()
    kept = sorted(views)[0]
    patched = patch_texts(views, {kept}, empty)
    assert kept not in patched, "a family read again that holds no text any more drops out"
    assert all(patched[iri] is views[iri] for iri in patched)
