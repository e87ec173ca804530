"""The knowledge tables and the one grammar module built from them (issue: knowledge as data, in one place)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cndkg import grammar as G
from cndkg.find import Lexicon, find
from cndkg.read import read
from cndkg.registry import Registry
from cndkg.resolve import resolve
from cndkg.segment import segment
from cndkg.segment.layout import normalise

SRC = Path(__file__).resolve().parent.parent / "src" / "cndkg"
# What only grammar.py may spell: the Roman-numeral session of old symbols, an issuing body's name
# inside a regular expression, the cue words, and the document-symbol prefixes.
FORBIDDEN = [
    (re.compile(r"\[IVXLC\]"), "a Roman-numeral session pattern"),
    (re.compile(r"re\.compile\([^)]*(?:General\\?s\+?Assembly|Economic and Social|Commission on Narcotic)"), "a body"),
    (re.compile(r"\"Recalling\",|\"Reaffirming\",|\"Noting\","), "a cue word list"),
    (re.compile(r"\(\?:A\|E\|S\|ST\|"), "the document-symbol prefixes"),
]
# The evaluation harness reads expectation labels such as "GA 2719 (XXV)": its own notation, not text grammar.
EXEMPT = {"grammar.py"}
# The benchmark's corpus generator writes synthetic texts from word lists of its own.
EXEMPT_DIRS = {"evaluate", "bench"}


def _sources() -> list[Path]:
    return [
        p for p in SRC.rglob("*.py") if p.name not in EXEMPT and not EXEMPT_DIRS.intersection(p.relative_to(SRC).parts)
    ]


@pytest.mark.parametrize(("pattern", "what"), FORBIDDEN, ids=[w for _, w in FORBIDDEN])
def test_grammar_is_spelled_only_in_grammar_py(pattern: re.Pattern[str], what: str) -> None:
    offenders = [
        f"{p.relative_to(SRC)}:{n}"
        for p in _sources()
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == [], f"{what} spelled outside grammar.py: {offenders}"


def test_adding_a_body_is_one_line_of_data() -> None:
    assert {b.name for b in G.issuing_bodies()} >= {"Commission on Narcotic Drugs", "General Assembly"}
    assert G.BODY_BY_SHORT_NAME["Commission"] == "Commission on Narcotic Drugs"
    assert G.BODY_BY_ORGAN == {"A": "General Assembly", "E": "Economic and Social Council", "S": "Security Council"}


@pytest.mark.parametrize(
    ("printed", "canonical", "path"),
    [
        ("57/4", "57/4", "57/4"),
        ("S-30/1", "S-30/1", "S-30/1"),
        ("1104(XL)", "1104 (XL)", "1104-XL"),
        ("833 B (XXXII)", "833 B (XXXII)", "833-B-XXXII"),
        ("914(XXXIV)E", "914 E (XXXIV)", "914-E-XXXIV"),
        ("730 I (XXVIII)", "730 I (XXVIII)", "730-I-XXVIII"),
        ("159 IIC(VII)", "159 II C (VII)", "159-II-C-VII"),
        ("5 (S-III)", "5 (S-III)", "5-S-III"),
    ],
)
def test_symbol_forms(printed: str, canonical: str, path: str) -> None:
    parts = G.symbol_parts(printed)
    assert parts is not None
    assert (parts.canonical, parts.path) == (canonical, path)
    assert re.fullmatch(G.RESOLUTION_SYMBOL, printed)


@pytest.mark.parametrize(
    ("document", "body", "symbol"),
    [
        ("E/RES/1987/33", "Economic and Social Council", "1987/33"),
        ("A/RES/70/181", "General Assembly", "70/181"),
        ("E/RES/1972/1664(LII)", "Economic and Social Council", "1664(LII)"),
        ("A/RES/3014(XXVII)", "General Assembly", "3014(XXVII)"),
    ],
)
def test_resolution_document_symbols(document: str, body: str, symbol: str) -> None:
    assert G.resolution_of_document(document) == (body, symbol)


HEADINGS = [
    ("1966/1104(XL). Report of the Commission*/", "1104 (XL)", "Report of the Commission"),
    ("1951/355(XII)B.Single Convention on Narcotic Drugs", "355 B (XII)", "Single Convention on Narcotic Drugs"),
    ("3014(XXVII).", "3014 (XXVII)", None),
    (
        "1962/914(XXXIV)E.Technical Co-operation in Narcotics Control*/",
        "914 E (XXXIV)",
        "Technical Co-operation in Narcotics Control",
    ),
    ("Resolution 64/3", "64/3", None),
    ("E/RES/1987/33", "1987/33", None),
]


@pytest.mark.parametrize(("heading", "symbol", "title"), HEADINGS, ids=[h for h, _, _ in HEADINGS])
def test_archive_headings_give_the_printed_symbol(heading: str, symbol: str, title: str | None, tmp_path: Path) -> None:
    source = tmp_path / "heading.txt"
    source.write_text(f"{heading}\n\nThe Economic and Social Council,\n\nNoting the report,\n\n1. Decides to act.\n")
    [record] = segment(read(source))
    assert record.header.symbol == symbol
    if title:
        assert record.header.title == title


@pytest.mark.parametrize(
    "formula",
    [
        "The General Assembly,",
        "The General Assembly",
        "*The General Assembly,*",
        "The General Assembly, Noting the report,",
    ],
)
def test_enacting_formula_forms(formula: str, tmp_path: Path) -> None:
    source = tmp_path / "formula.md"
    rest = "" if "Noting" in formula else "\n\nNoting the report,"
    source.write_text(f"Resolution 70/1\n\n{formula}{rest}\n\n1. Decides to act.\n")
    [record] = segment(read(source))
    assert record.body == "General Assembly"
    assert [p.cue for p in record.paragraphs] == ["Noting", "Decides"]


def test_flattened_table_cell_is_split_at_formula_cues_and_numbers(tmp_path: Path) -> None:
    source = tmp_path / "flat.txt"
    source.write_text(
        "1972/1664(LII). | Concerted action |\n"
        "The Economic and Social Council, Having considered the report,9/ Mindful of the role, "
        "Recognizing that a Fund is needed, 1. Endorses the work; 2. Urges States to contribute; "
        "3. Requests that a report be submitted to the Commission at its twenty-fifth session. "
        "1816th plenary meeting,\n"
    )
    [record] = segment(read(source))
    assert record.header.symbol == "1664 (LII)"
    assert [p.cue for p in record.paragraphs] == [
        "Having considered",
        "Mindful",
        "Recognizing",
        "Endorses",
        "Urges",
        "Requests",
    ]


def test_running_headers_and_footers_are_dropped_and_paragraphs_rejoined(tmp_path: Path) -> None:
    page1 = "Resolution 57/4\n\nThe Commission on Narcotic Drugs,\n\nRecalling its resolution 54/5 on the\n\n"
    page2 = "Recognizing the work of the Commission on\n\n"
    page3 = "Narcotic Drugs,\n\n1. Decides to act.\n"
    text = (
        page1
        + "V.14-01234 (E)\n"
        + "\f2 Selected resolutions of the Commission on Narcotic Drugs\nE/2014/28\n\nrehabilitation strategies,\n\n"
        + page2
        + "E/2014/28\n\f\nSelected resolutions of the Commission on Narcotic Drugs 3\nE/2014/28\n\n"
        + page3
    )
    source = tmp_path / "pdf.txt"
    source.write_text(text)
    [record] = segment(read(source))
    assert [p.cue for p in record.paragraphs] == ["Recalling", "Recognizing", "Decides"]
    assert record.paragraphs[0].text == "Recalling its resolution 54/5 on the rehabilitation strategies,"
    assert record.paragraphs[1].text == "Recognizing the work of the Commission on Narcotic Drugs,"


def test_layout_undoing_keeps_every_offset(tmp_path: Path) -> None:
    source = tmp_path / "flat.txt"
    source.write_text(
        "3014(XXVII). | Title |\nThe General Assembly, Noting the report, 1. Welcomes it; 2. Invites all.\n"
    )
    doc = read(source)
    assert len(normalise(doc).text) == len(doc.text)


@pytest.mark.parametrize(
    ("marked", "labels", "clean"),
    [
        ("the resolutions54/ were adopted", ["54"], "the resolutions were adopted"),
        ("the Commission17/ and", ["17"], "the Commission and"),
        ("Convention of 19615/ and", ["5"], "Convention of 1961 and"),
        ("the period.**/", ["**"], "the period."),
        ("the 1961 Convention[^3] and", ["3"], "the 1961 Convention and"),
        ("issued in 1966,[1] 1967[2] and", ["1", "2"], "issued in 1966, 1967 and"),
    ],
)
def test_footnote_marker_syntaxes(marked: str, labels: list[str], clean: str, tmp_path: Path) -> None:
    notes = "\n\n".join(
        f"[^{label}]: See E/2019/28."
        if "[^" in marked
        else f"[{label}] See E/2019/28."
        if f"[{label}]" in marked
        else f"{label}/ See E/2019/28."
        for label in labels
    )
    source = tmp_path / "markers.md"
    source.write_text(f"Resolution 70/1\n\nThe General Assembly,\n\nNoting {marked} more,\n\n1. Decides.\n\n{notes}\n")
    [record] = segment(read(source))
    first = record.paragraphs[0]
    assert first.text == f"Noting {clean} more,"
    assert [r.label for r in first.footnote_refs] == labels


def test_web_page_with_h2_title_metadata_list_and_pager(lexicon: Lexicon, registry: Registry) -> None:
    """A title in <h2> with a <dl> beside it; cues in <em>; &nbsp; in references; breadcrumbs and pager are chrome."""
    page = Path(__file__).parent / "data" / "web_page_h2_dl_pager.html"
    [record] = segment(read(page))
    assert record.header.symbol == "1987/33" and record.body == "Economic and Social Council"
    assert record.header.title == (
        "Elaboration of a draft convention against illicit traffic in narcotic drugs and psychotropic substances"
    )
    assert [p.cue for p in record.paragraphs] == ["Recalling", "Noting with appreciation", "Requests", "Decides"]
    resolved = resolve(record, find(record, lexicon), registry)
    targets = {c.target.rsplit("/id/", 1)[1] for c in resolved.citations}
    assert targets == {"res/ecosoc/1985/15", "res/ga/39/141", "session/cnd/32", "session/cnd/33"}
    assert [m.due_session.rsplit("/id/", 1)[1] for m in resolved.mandates] == ["session/cnd/33"]
