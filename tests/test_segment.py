"""Stage 2, segment: the seeds' counts and headers, and snippets in other layouts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cndkg.jsonview import dumps, to_plain
from cndkg.model import ParagraphKind, ResolutionKind
from cndkg.ordinals import ordinal_value
from cndkg.registry import Registry
from cndkg.segment import split_sponsors
from cndkg.segment.patterns import extract_cue
from cndkg.segment.units import join_lines

from .conftest import (
    SEED_ADOPTED_57_4,
    SEED_COMPILATION_64,
    SEED_DRAFT_67,
    SEED_WEB_PAGE_57,
    SEEDS,
    segment_file,
    segment_text,
)

GOLDEN = Path(__file__).parent / "golden"


def test_seed_003_is_resolution_57_4(registry: Registry) -> None:
    [record] = segment_file(SEED_ADOPTED_57_4, registry)
    assert record.kind is ResolutionKind.ADOPTED
    assert record.header.symbol == "57/4"
    assert record.header.title == "Supporting recovery from substance use disorders"
    assert (len(record.preambular), len(record.operative)) == (13, 11)
    assert record.session == 57
    assert record.body == "Commission on Narcotic Drugs"


def test_seed_002_is_the_draft_of_57_4_with_sponsors_and_session_documents(registry: Registry) -> None:
    [record] = segment_file(SEED_WEB_PAGE_57, registry)
    assert record.kind is ResolutionKind.DRAFT
    assert (len(record.preambular), len(record.operative)) == (13, 11)
    assert record.header.sponsors == ("Israel", "Peru", "United States of America")
    assert record.header.session == 57
    assert record.header.agenda_item == "9"
    assert record.header.title == "Supporting recovery from substance use disorders"
    assert "Chooper's Guide" in record.front_matter[0]
    documents = {symbol: d.title for d in record.session_documents for symbol in d.symbols}
    assert len(record.session_documents) == 33
    assert documents["E/CN.7/2014/1"] == "Annotated provisional agenda"
    assert documents["E/2014/28"] == documents["E/CN.7/2014/16"]
    assert documents["E/CN.15/2014/8"].startswith("Note by the Secretariat on the work of the standing")


def test_seed_000_is_the_draft_of_the_67th_session(registry: Registry) -> None:
    [record] = segment_file(SEED_DRAFT_67, registry)
    header = record.header
    assert record.kind is ResolutionKind.DRAFT
    assert (len(record.preambular), len(record.operative)) == (18, 9)
    assert header.sponsors == ("Chile", "Dominican Republic", "El Salvador", "Germany", "Norway")
    assert (header.session, header.agenda_item, header.distribution_date) == (67, "6", "21 March 2024")
    assert header.draft_label == "revised draft resolution"
    assert header.title == "Promoting recovery and related support services for people with drug use disorders"
    assert header.agenda_title.startswith("Follow-up to the implementation at the national, regional")


def test_seed_001_holds_a_fragment_64_3_and_a_truncated_64_4(registry: Registry) -> None:
    fragment, full, truncated = segment_file(SEED_COMPILATION_64, registry)
    assert fragment.kind is ResolutionKind.FRAGMENT
    assert [p.number for p in fragment.paragraphs] == [9, 10, 11, 12]
    assert {p.kind for p in fragment.paragraphs} == {ParagraphKind.OPERATIVE}
    assert (full.header.symbol, len(full.preambular), len(full.operative)) == ("64/3", 21, 21)
    assert not full.truncated
    assert truncated.header.symbol == "64/4" and truncated.truncated
    assert [f.label for f in truncated.footnotes] == ["25", "26", "27", "28"]


def test_paragraph_interrupted_by_footnotes_is_joined_and_markers_attach(registry: Registry) -> None:
    [record] = segment_file(SEED_DRAFT_67, registry)
    pp3 = record.paragraphs[2]
    assert "by the Commission on Narcotic Drugs of the implementation by Member States" in pp3.text
    assert [r.label for r in pp3.footnote_refs] == ["5", "6", "7", "8"]
    assert pp3.line == 34 and pp3.line_at(pp3.text.index("Narcotic Drugs of the implementation")) == 52
    underscoring = record.paragraphs[10]
    assert underscoring.cue == "Underscoring"
    assert "to recovery communities and other communities, and rapid access back" in underscoring.text
    assert "<sup>" not in pp3.text and "⁵" not in pp3.text


def test_page_break_inside_a_paragraph_of_seed_003_is_joined(registry: Registry) -> None:
    [record] = segment_file(SEED_ADOPTED_57_4, registry)
    assert "including among individuals incarcerated or, where appropriate" in record.paragraphs[10].text


def test_cues_from_emphasis_plain_text_and_lexicon(registry: Registry) -> None:
    [record] = segment_file(SEED_DRAFT_67, registry)
    cues = [p.cue for p in record.paragraphs]
    assert cues[:3] == ["Reaffirming", "Reaffirming also", "Recalling"]
    assert "Noting with appreciation" in cues and "Concerned also" in cues
    assert record.operative[0].cue == "Calls upon"
    [web] = segment_file(SEED_WEB_PAGE_57, registry)
    assert [p.cue for p in web.paragraphs[6:8]] == ["Bearing in mind", "Taking into account"]
    assert web.operative[2].cue == "Also invites"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Deeply concerned about the negative impacts", "Deeply concerned"),
        ("Noting with appreciation the ongoing work", "Noting with appreciation"),
        ("Takes note of the report", "Takes note"),
        ("Takes note with appreciation of the report", "Takes note with appreciation"),
        ("Being aware of the dangers", "Being aware"),
        ("Taking note with satisfaction that the Board", "Taking note with satisfaction"),
        ("Having considered the report of the Secretary-General", "Having considered"),
        ("Having been informed of the meeting", "Having been informed"),
        ("Bearing in mind also that", "Bearing in mind also"),
        ("Noting in particular the recommendation", "Noting in particular"),
        ("Expresses the hope that Governments", "Expresses the hope"),
        ("Expresses its thanks to the Government of Brazil", "Expresses its thanks"),
        ("Appeals consequently to Governments", "Appeals consequently"),
        ("Further invites the specialized agencies", "Further invites"),
        ("Declares further that the fulfilment", "Declares further"),
        ("Noting, in particular, the report", "Noting"),
        ("Also requests the Secretariat", "Also requests"),
        ("Expresses its appreciation to the Government", "Expresses its appreciation"),
        ("Recalling further its resolution", "Recalling further"),
    ],
)
def test_extract_cue_without_emphasis(text: str, cue: str) -> None:
    assert extract_cue(text) == cue


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("Sixty-seventh", 67),
        ("fifty-seventh", 57),
        ("sixty sixth", 66),
        ("Twentieth", 20),
        ("first", 1),
        ("57th", 57),
        ("one hundred and first", 101),
        ("session", None),
    ],
)
def test_ordinals(words: str, number: int | None) -> None:
    assert ordinal_value(words) == number


def test_sponsor_lists_keep_names_containing_and(registry: Registry) -> None:
    names = registry.state_names_with_and
    assert split_sponsors(
        "Trinidad and Tobago, United Kingdom of Great Britain and Northern Ireland and Peru", names
    ) == (
        "Trinidad and Tobago",
        "United Kingdom of Great Britain and Northern Ireland",
        "Peru",
    )


def test_pdf_text_with_hard_wraps_hyphenation_and_page_furniture(tmp_path: Path) -> None:
    text = """E/CN.7/2019/L.2/Rev.1
Commission on Narcotic Drugs
Sixty-second session
Vienna, 14–22 March 2019
Agenda item 5
Canada and Trinidad and Tobago: revised draft
resolution
Promoting the rehabilita-
tion of people
The Commission on Narcotic Drugs,
Recalling its resolution 61/11 of 16 March 2018, in which it encouraged
non-
stigmatizing attitudes,
Noting with concern the gaps in services,

V.19-01234 (E)
2/3

1. Requests the United Nations Office on Drugs and Crime to report to the
Commission at its sixty-fourth session;
2. Decides to remain seized of the matter.
"""
    [record] = segment_text(text, tmp_path)
    assert record.kind is ResolutionKind.DRAFT
    assert record.header.document_symbol == "E/CN.7/2019/L.2/Rev.1"
    assert record.header.session == 62
    assert record.header.title == "Promoting the rehabilitation of people"
    assert [p.cue for p in record.paragraphs] == ["Recalling", "Noting with concern", "Requests", "Decides"]
    assert "encouraged non-stigmatizing attitudes," in record.paragraphs[0].text
    assert record.operative[0].text.endswith("to report to the Commission at its sixty-fourth session;")


def test_old_ecosoc_style_footnote_markers(tmp_path: Path) -> None:
    text = """1156 (XLI). Measures against drug abuse

The Economic and Social Council,

Recalling the Single Convention on Narcotic Drugs, 1961 1/ and its resolution 1104 (XL),

Noting the report of the Commission on Narcotic Drugs on its twenty-first session, */

1. Requests the Secretary-General to transmit this resolution to Governments.

1/ United Nations, Treaty Series, vol. 520, No. 7515.

*/ Official Records of the Economic and Social Council, Forty-first Session, Supplement No. 2 (E/4140).
"""
    [record] = segment_text(text, tmp_path)
    assert record.header.symbol == "1156 (XLI)"
    assert record.body == "Economic and Social Council"
    first, second = record.preambular
    assert first.text == "Recalling the Single Convention on Narcotic Drugs, 1961 and its resolution 1104 (XL),"
    assert [r.label for r in first.footnote_refs] == ["1"]
    assert [r.label for r in second.footnote_refs] == ["*"]
    assert [f.label for f in record.footnotes] == ["1", "*"]


def test_subparagraphs_are_attached_to_their_operative_paragraph(tmp_path: Path) -> None:
    text = """Resolution 60/1

Title

The Commission on Narcotic Drugs,

Recalling its resolution 59/5,

1. Decides:

(a) To request the Secretariat to prepare a report;

(b) To invite Member States
to contribute;

2. Invites Member States to act.
"""
    [record] = segment_text(text, tmp_path)
    first = record.operative[0]
    assert [(s.label, s.text) for s in first.subparagraphs] == [
        ("(a)", "To request the Secretariat to prepare a report;"),
        ("(b)", "To invite Member States to contribute;"),
    ]
    assert record.operative[1].number == 2


def test_numbering_that_skips_or_repeats_is_reported(tmp_path: Path) -> None:
    text = (
        "Resolution 60/2\n\nT\n\nThe Commission on Narcotic Drugs,\n\nNoting x,\n\n"
        "1. Invites a;\n\n3. Urges b;\n\n3. Requests c.\n"
    )
    [record] = segment_text(text, tmp_path)
    messages = [d.message for d in record.diagnostics]
    assert any("jumps from 1 to 3" in m for m in messages)
    assert any("number 3 repeats" in m for m in messages)
    assert len({p.eid for p in record.paragraphs}) == len(record.paragraphs)


def test_file_with_no_resolution_gives_no_records(tmp_path: Path) -> None:
    assert segment_text("Chooper's Guide\n\nWelcome to our directory.\n", tmp_path) == []


def test_join_lines_undoes_hyphenation_but_keeps_compound_hyphens() -> None:
    assert join_lines(["rehabilita-", "tion and non-", "discrimination"]) == "rehabilitation and non-discrimination"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_golden_json_snapshot(seed: Path, registry: Registry) -> None:
    actual = json.loads(dumps(to_plain(segment_file(seed, registry))))
    golden = GOLDEN / f"{seed.stem}.segment.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(dumps(actual) + "\n", encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: write it with UPDATE_GOLDEN=1 and review it"
    assert actual == json.loads(golden.read_text(encoding="utf-8")), "regenerate with UPDATE_GOLDEN=1 if intended"


def test_sponsor_line_wrapped_before_the_colon(tmp_path: Path) -> None:
    text = (
        "Sixty-fifth session\nArgentina, Chile and\nPeru: draft resolution\nTitle words\n\n"
        "The Commission on Narcotic Drugs,\n\nNoting a,\n\n1. Invites b.\n"
    )
    [record] = segment_text(text, tmp_path)
    assert record.header.sponsors == ("Argentina", "Chile", "Peru")
    assert record.header.title == "Title words"


def test_quoted_amendment_after_as_follows_continues_the_paragraph(tmp_path: Path) -> None:
    text = (
        "Resolution 60/5\n\nT\n\nThe Commission on Narcotic Drugs,\n\nRecalling x,\n\n"
        "1. *Decides* to amend paragraph 3 of resolution 59/1 to read as follows:\n\n"
        "“Requests the secretariat to report annually;”\n\n2. *Requests* a;\n\n3. *Invites* b.\n"
    )
    [record] = segment_text(text, tmp_path, "amend.md")
    assert [p.number for p in record.operative] == [1, 2, 3]
    assert record.operative[0].text.endswith("as follows: “Requests the secretariat to report annually;”")


def test_body_that_stops_early_is_reported(tmp_path: Path) -> None:
    text = (
        "Resolution 60/6\n\nT\n\nThe Commission on Narcotic Drugs,\n\nRecalling x,\n\n1. Requests a;\n\n"
        "TABLE 3. Figures\n\n2. Invites b.\n"
    )
    [record] = segment_text(text, tmp_path)
    assert len(record.operative) == 1
    assert any(d.code == "stopped-early" and d.line == 11 for d in record.diagnostics)
