"""The comparison behind ``cndkg eval``, on small hand-made observations and expectations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from cndkg.cli import main
from cndkg.evaluate import (
    CorpusResult,
    ExpectedCite,
    ExpectedResolution,
    ExpectedText,
    ObservedMandate,
    ObservedParagraph,
    ObservedResolution,
    changes,
    compare_text,
    crashed_text,
    load_expectations,
    observe,
)
from cndkg.evaluate.compare import align
from cndkg.evaluate.expectations import target_suffix
from cndkg.namespaces import CNDKG, DCTERMS, ELI, PROV, RDF

from .conftest import ROOT

ID = "https://w3id.org/cndkg/id/"
RES = ID + "res/cnd/70/1"
SOURCE = "Resolution 70/1\n..."


def para(n: str, cue: str | None, *targets: str, texts: dict[str, tuple[str, ...]] | None = None) -> ObservedParagraph:
    return ObservedParagraph(f"{RES}#{n}", cue, frozenset(ID + t for t in targets), texts or {})


def observed(
    pp: tuple[ObservedParagraph, ...] = (),
    op: tuple[ObservedParagraph, ...] = (),
    mandates: tuple[ObservedMandate, ...] = (),
    identifiers: frozenset[str] = frozenset({"70/1"}),
) -> ObservedResolution:
    return ObservedResolution(RES, identifiers, pp, op, mandates)


def expected(*cites: ExpectedCite, pp: int = 1, op: int = 1, mandate: int | None = None) -> ExpectedText:
    resolution = ExpectedResolution(
        symbol="CND 70/1",
        preambular_count=pp,
        operative_count=op,
        preambular_verbs=("Recalling",) * pp,
        operative_verbs=("Decides",) * op,
        cites=cites,
        mandate_session=mandate,
    )
    return ExpectedText("t", None, (resolution,))


GA = ExpectedCite("op1", "GA 70/1")
DOC = "res/ga/70/1"

CITATION_CASES = [
    # (case, expected cites, graph cites of op1, (tp, fp, fn))
    ("found cite is a true positive", (GA,), (DOC,), (1, 0, 0)),
    ("missed cite is a false negative", (GA,), (), (0, 0, 1)),
    ("extra cite is a false positive", (), (DOC,), (0, 1, 0)),
    ("optional cite found never counts", (ExpectedCite("op1", "GA 70/1", optional=True),), (DOC,), (0, 0, 0)),
    ("optional cite missed never counts", (ExpectedCite("op1", "GA 70/1", optional=True),), (), (0, 0, 0)),
    ("cite in the wrong paragraph", (ExpectedCite("pp1", "GA 70/1"),), (DOC,), (0, 1, 1)),
    (
        "also-target of an optional cite is accepted",
        (ExpectedCite("op1", "E/3648", optional=True, also=("E/CN.7/432",)),),
        ("doc/E-CN.7-432",),
        (0, 0, 0),
    ),
    (
        "also-target of a required cite is accepted",
        (ExpectedCite("op1", "E/1", also=("E/2",)),),
        ("doc/E-1", "doc/E-2"),
        (1, 0, 0),
    ),
    ("target with no IRI is not scored", (ExpectedCite("op1", "Treaty:Charter of the United Nations"),), (), (0, 0, 0)),
    (
        "instrument beside its adopting resolution is accepted",
        (ExpectedCite("op1", "GA 217 A (III)"),),
        ("res/ga/217-A-III", "treaty/1948-udhr"),
        (1, 0, 0),
    ),
    ("a 'label' that is no paragraph is optional", (ExpectedCite("title", "GA 70/1"),), (), (0, 0, 0)),
]


@pytest.mark.parametrize(("case", "cites", "graph", "want"), CITATION_CASES, ids=[c[0] for c in CITATION_CASES])
def test_citation_counts(
    case: str, cites: tuple[ExpectedCite, ...], graph: tuple[str, ...], want: tuple[int, ...]
) -> None:
    result = compare_text(
        expected(*cites), [observed((para("pp1", "Recalling"),), (para("op1", "Decides", *graph),))], SOURCE
    )
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == want, case
    assert len(result.extras) == want[1]


def test_no_iri_target_excuses_a_graph_cite_with_the_same_words() -> None:
    cite = ExpectedCite(
        "op1", "INCB report for 1972", surface="the report of the International Narcotics Control Board"
    )
    words = {ID + "doc/E-INCB-1972": ("report of the International Narcotics Control Board",)}
    graph = observed((para("pp1", "Recalling"),), (para("op1", "Decides", "doc/E-INCB-1972", texts=words),))
    assert compare_text(expected(cite), [graph], SOURCE).counts.fp == 0


def test_items_have_stable_keys() -> None:
    result = compare_text(
        expected(GA, mandate=63), [observed((para("pp1", "Recalling"),), (para("op1", "Decides"),))], SOURCE
    )
    assert result.items == {
        "t:CND 70/1:identifier": True,
        "t:CND 70/1:structure": True,
        "t:CND 70/1:cues": True,
        "t:CND 70/1:cite:op1:res/ga/70/1": False,
        "t:CND 70/1:mandate:session/cnd/63": False,
    }


@pytest.mark.parametrize(
    ("case", "pp", "op", "structure", "cues"),
    [
        ("same counts and cues", ("Recalling",), ("Decides",), True, True),
        ("cue with its object is normalised", ("Recalling",), ("Decides of",), True, True),
        ("a different cue", ("Noting",), ("Decides",), True, False),
        ("a paragraph too many", ("Recalling", "Noting"), ("Decides",), False, False),
    ],
)
def test_structure_and_cues(case: str, pp: tuple[str, ...], op: tuple[str, ...], structure: bool, cues: bool) -> None:
    graph = observed(
        tuple(para(f"pp{i}", c) for i, c in enumerate(pp)), tuple(para(f"op{i}", c) for i, c in enumerate(op))
    )
    result = compare_text(expected(), [graph], SOURCE)
    assert (result.items["t:CND 70/1:structure"], result.items["t:CND 70/1:cues"]) == (structure, cues), case


def test_unsure_cues_are_not_scored() -> None:
    text = ExpectedText("t", None, (ExpectedResolution("CND 70/1", 1, 1, (None,), ("Decides",)),))
    result = compare_text(text, [observed((para("pp1", "Noting"),), (para("op1", "Decides"),))], SOURCE)
    assert result.counts.cues_n == 0 and "t:CND 70/1:cues" not in result.items


def test_split_paragraph_keeps_its_cites_with_the_paragraph_before() -> None:
    split = (para("op1", "Decides"), para("op2", None, "res/ga/70/1"))
    result = compare_text(expected(GA), [observed((para("pp1", "Recalling"),), split)], SOURCE)
    assert (result.counts.tp, result.counts.fp, result.items["t:CND 70/1:structure"]) == (1, 0, False)


@pytest.mark.parametrize(
    ("case", "mandate", "found", "extra"),
    [
        ("due at the expected session", ObservedMandate(f"{RES}#op1", (ID + "session/cnd/63",)), True, 0),
        ("due at another session", ObservedMandate(f"{RES}#op1", (ID + "session/cnd/64",)), False, 1),
        ("by a sub-paragraph only", ObservedMandate(f"{RES}#op1.a", (ID + "session/cnd/63",), direct=False), False, 0),
    ],
)
def test_mandates(case: str, mandate: ObservedMandate, found: bool, extra: int) -> None:
    graph = observed((para("pp1", "Recalling"),), (para("op1", "Decides"),), (mandate,))
    result = compare_text(expected(mandate=63), [graph], SOURCE)
    assert result.items["t:CND 70/1:mandate:session/cnd/63"] is found, case
    assert result.counts.extra_mandates == extra, case


def test_resolution_matched_by_identifier_before_counts() -> None:
    decoy = ObservedResolution(ID + "a", frozenset({"69/9"}), (para("pp1", "Recalling"),), (para("op1", "Decides"),))
    right = ObservedResolution(ID + "b", frozenset({"70/1"}), (), (para("op1", "Decides", "res/ga/70/1"),))
    result = compare_text(expected(GA), [decoy, right], SOURCE)
    assert result.counts.tp == 1 and result.items["t:CND 70/1:identifier"]
    assert not result.items["t:CND 70/1:structure"]


def test_identifier_not_scored_when_the_symbol_is_not_printed() -> None:
    result = compare_text(expected(), [observed(identifiers=frozenset())], "no number here")
    assert result.counts.identifiers_n == 0


def test_crashed_text_fails_every_item() -> None:
    result = crashed_text(expected(GA, ExpectedCite("op1", "GA 1/1", optional=True), mandate=63), SOURCE, "boom")
    assert result.counts.crashed == 1 and result.counts.fn == 1 and result.error == "boom"
    assert not any(result.items.values()) and len(result.items) == 5


def test_alignment_by_cues() -> None:
    assert align(["Recalling", "Noting", "Welcoming"], ["Recalling", "Welcoming"]) == {0: 0, 2: 1}
    assert align(["Takes note", "Decides"], ["Takes note of", "Decides"]) == {0: 0, 1: 1}


@pytest.mark.parametrize(
    ("label", "suffix"),
    [
        ("CND 70/1", "res/cnd/70/1"),
        ("GA S-30/1", "res/ga/S-30/1"),
        ("ECOSOC 914 E (XXXIV)", "res/ecosoc/914-E-XXXIV"),
        ("GA 2719 (XXV)", "res/ga/2719-XXV"),
        ("E/CN.7/432", "doc/E-CN.7-432"),
        ("Treaty:1972 Protocol", "treaty/1972-protocol"),
        ("Treaty:Charter of the United Nations", None),
    ],
)
def test_target_suffix(label: str, suffix: str | None) -> None:
    assert target_suffix(label) == suffix


def _result(items: dict[str, bool], extras: list[str]) -> CorpusResult:
    text = crashed_text(ExpectedText("t", None, ()), "", "")
    text.items, text.extras = items, extras
    return CorpusResult("c", [text])


@pytest.mark.parametrize(
    ("case", "before", "now", "gains", "losses"),
    [
        ("an item that passed and fails is a loss", {"a": True}, {"a": False}, [], ["a"]),
        ("an item that failed and passes is a gain", {"a": False}, {"a": True}, ["a"], []),
        ("a new item that passes is a gain", {}, {"a": True}, ["a"], []),
        ("a new item that fails is neither", {}, {"a": False}, [], []),
        ("an item no longer expected is no loss", {"a": True}, {}, [], []),
    ],
)
def test_changes(case: str, before: dict[str, bool], now: dict[str, bool], gains: list[str], losses: list[str]) -> None:
    found = changes(_result(now, []), {"items": before})
    assert (found.gains, found.losses) == (gains, losses), case


def test_extras_changes() -> None:
    found = changes(_result({}, ["x", "y"]), {"items": {}, "extras": ["y", "z"]})
    assert (found.new_extras, found.gone_extras) == (["x"], ["z"])


def test_observe_reads_the_vocabulary() -> None:
    g = Graph()
    res, op1, sub, mandate, citation = (URIRef(RES + s) for s in ("", "#op1", "#op1.a", "#m", "#c"))
    g.add((res, RDF.type, CNDKG.Resolution))
    g.add((res, PROV.wasDerivedFrom, URIRef(ID + "source/x")))
    g.add((res, DCTERMS.identifier, Literal("CND 70/1")))
    g.add((op1, RDF.type, CNDKG.OperativeParagraph))
    g.add((op1, ELI.is_part_of, res))
    g.add((op1, CNDKG.position, Literal(1)))
    g.add((op1, CNDKG.cue, Literal("Decides")))
    g.add((sub, ELI.is_part_of, op1))
    g.add((sub, ELI.cites, URIRef(ID + "res/ga/70/1")))
    g.add((citation, RDF.type, CNDKG.Citation))
    g.add((citation, CNDKG.citingParagraph, sub))
    g.add((citation, CNDKG.target, URIRef(ID + "res/ga/70/1")))
    g.add((citation, CNDKG.matchedText, Literal("resolution 70/1")))
    g.add((mandate, RDF.type, CNDKG.ReportingMandate))
    g.add((mandate, CNDKG.mandatedBy, op1))
    g.add((mandate, CNDKG.dueSession, URIRef(ID + "session/cnd/63")))
    g.add((URIRef(ID + "res/ga/70/1"), RDF.type, CNDKG.Resolution))  # a stub: not observed
    [found] = observe(g)
    assert found.identifiers == {"CND 70/1"} and found.preambular == ()
    [paragraph] = found.operative
    assert paragraph.cue == "Decides" and paragraph.cites == {ID + "res/ga/70/1"}
    assert paragraph.matched_texts == {ID + "res/ga/70/1": ("resolution 70/1",)}
    assert found.mandates == (ObservedMandate(str(op1), (ID + "session/cnd/63",), True),)


def test_loader_accepts_one_file_per_text_and_a_files_list(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "expected").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x", encoding="utf-8")
    one = {"resolutions": [{"symbol": None, "preambular_count": 1, "operative_count": 2}]}
    many = {"files": [{"file": "elsewhere/b.md", "resolutions": [{"preambular_count": 0, "operative_count": 1}]}]}
    (tmp_path / "expected" / "a.json").write_text(json.dumps(one), encoding="utf-8")
    (tmp_path / "expected" / "SEEDS.json").write_text(json.dumps(many), encoding="utf-8")
    texts = load_expectations(tmp_path / "expected", tmp_path / "texts")
    assert [(t.name, t.path is not None, len(t.resolutions)) for t in texts] == [("a", True, 1), ("b", False, 1)]


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    source = ROOT / "tests" / "corpus" / "examples"
    for sub in ("texts", "expected"):
        (tmp_path / sub).mkdir()
    for name in ("ga_1972_3012_unodc.txt", "ga_1972_3014_unodc_table.txt"):
        shutil.copy(source / "texts" / name, tmp_path / "texts" / name)
        shutil.copy(source / "expected" / name.replace(".txt", ".json"), tmp_path / "expected")
    return tmp_path


def test_cli_records_and_reports_losses(small_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(small_corpus), "--record"]) == 0
    key = "ga_1972_3012_unodc:GA 3012 (XXVII):structure"
    assert json.loads((small_corpus / "last-run.json").read_text(encoding="utf-8"))["items"][key] is True
    (small_corpus / "texts" / "ga_1972_3012_unodc.txt").write_text("nothing here\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", str(small_corpus)]) == 0
    assert main(["eval", str(small_corpus), "--fail-on-loss"]) == 1
    out = capsys.readouterr().out
    assert f"  - {key}" in out and "gains (0)" in out and "crashed 1" in out


def test_cli_exit_codes(small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(small_corpus), "--min-f1", "1.01"]) == 1
    capsys.readouterr()
    assert main(["eval", str(small_corpus), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["corpora"][0]["totals"]["structure_n"] == 2
    assert main(["eval", str(tmp_path / "missing")]) == 2
    (small_corpus / "expected" / "bad.json").write_text("{", encoding="utf-8")
    assert main(["eval", str(small_corpus)]) == 2


def test_cli_crash_of_one_text_is_counted(small_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (small_corpus / "texts" / "ga_1972_3014_unodc_table.txt").write_bytes(b"\x00\x01binary")
    assert main(["eval", str(small_corpus)]) == 0
    out = capsys.readouterr().out
    assert "ga_1972_3014_unodc_table: struct 0/1" in out and "crashed: " in out and "crashed 1" in out
