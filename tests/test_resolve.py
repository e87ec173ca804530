"""Stage 4, resolve: tables of (text, expected target IRI, expected relation) through segment -> find -> resolve.

Snippets are small resolutions written here (a header, the enacting formula, the
paragraphs under test and their footnotes); the seed tables are checked by hand
against the texts in ``corpus/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from cndkg.find import Lexicon, find
from cndkg.model import Resolution, ResolutionKind, ResolvedResolution, Severity, form_symbol
from cndkg.registry import Registry
from cndkg.resolve import resolution_iri, resolve

from .conftest import ROOT, SEED_ADOPTED_57_4, SEED_COMPILATION_64, SEED_DRAFT_67, SEED_WEB_PAGE_57, segment_file

BASE = "https://w3id.org/cndkg/"
ONTOLOGY = f"{BASE}ontology#"
CITES = "http://data.europa.eu/eli/ontology#cites"
RECALLS = f"{ONTOLOGY}recalls"
REAFFIRMS = f"{ONTOLOGY}reaffirms"
WELCOMES = f"{ONTOLOGY}welcomes"
NOTES = f"{ONTOLOGY}notes"
TAKES_NOTE_OF = f"{ONTOLOGY}takesNoteOf"
BEARS_IN_MIND = f"{ONTOLOGY}bearsInMind"
SESSION = f"{ONTOLOGY}refersToSession"
SDG_3_5 = "http://metadata.un.org/sdg/3.5"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
CLOSING = "Decides to remain seized of the matter."


def iri(path: str) -> str:
    """Return the full IRI of a path under ``id/`` (SDG IRIs are passed through)."""
    return path if path.startswith("http") else f"{BASE}id/{path}"


def snippet(
    preamble: Sequence[str], operative: Sequence[str], footnotes: Sequence[str] = (), symbol: str = "67/1"
) -> str:
    """Return an adopted resolution's text; footnote ``n`` of the list is marked in the text as ``{n}``."""
    lines = [f"Resolution {symbol}", "Snippet written for the resolver tests", "The Commission on Narcotic Drugs,"]
    lines += preamble
    lines += [f"{number}. {text}" for number, text in enumerate(operative or [CLOSING], start=1)]
    lines += [f"{str(number).translate(SUPERSCRIPT)} {text}" for number, text in enumerate(footnotes, start=1)]
    text = "\n\n".join(lines) + "\n"
    for number in range(len(footnotes), 0, -1):
        text = text.replace(f"{{{number}}}", str(number).translate(SUPERSCRIPT))
    return text


def run(text: str, tmp_path: Path, lexicon: Lexicon, registry: Registry) -> ResolvedResolution:
    """Segment, find and resolve a one-resolution snippet written to ``snippet.txt``."""
    path = tmp_path / "snippet.txt"
    path.write_text(text, encoding="utf-8")
    [record] = segment_file(path, registry)
    return resolve(record, find(record, lexicon), registry)


def triples(resolved: ResolvedResolution) -> set[tuple[str, str, str]]:
    """Return (paragraph eId, target, relation) for every citation."""
    return {(c.citing.split("#", 1)[1], c.target, c.relation) for c in resolved.citations}


def pairs(resolved: ResolvedResolution) -> set[tuple[str, str]]:
    """Return (paragraph eId, target) for every citation."""
    return {(c.citing.split("#", 1)[1], c.target) for c in resolved.citations}


def one_paragraph(text: str) -> tuple[str, str]:
    """Return (snippet, eId of ``text``): operative paragraph 1 if ``text`` starts with "1. ", else pp1."""
    if text.startswith("1. "):
        return snippet(["Noting the importance of the matter,"], [text[3:]]), "op1"
    return snippet([text], []), "pp1"


CUES: list[tuple[str, str, str]] = [
    ("Recalling its resolution 57/4,", "res/cnd/57/4", RECALLS),
    ("Recalling also its resolution 57/4,", "res/cnd/57/4", RECALLS),
    ("Recalling further General Assembly resolution S-30/1,", "res/ga/S-30/1", RECALLS),
    ("Reaffirming General Assembly resolution S-30/1,", "res/ga/S-30/1", REAFFIRMS),
    ("Reaffirming also the Universal Declaration of Human Rights,", "res/ga/217-A-III", REAFFIRMS),
    (
        "Welcoming the International Standards for the Treatment of Drug Use Disorders,",
        "standard/treatment-standards",
        WELCOMES,
    ),
    ("Noting Economic and Social Council resolution 2013/40,", "res/ecosoc/2013/40", NOTES),
    (
        "Noting with appreciation the International Standards on Drug Use Prevention,",
        "standard/prevention-standards",
        NOTES,
    ),
    ("Taking note of the report of the Commission (E/2019/28),", "doc/E-2019-28", TAKES_NOTE_OF),
    (
        "Taking note with appreciation of the 2019 Ministerial Declaration,",
        "declaration/2019-ministerial-declaration",
        TAKES_NOTE_OF,
    ),
    (
        "Bearing in mind the Single Convention on Narcotic Drugs of 1961,",
        "treaty/1961-single-convention",
        BEARS_IN_MIND,
    ),
    (
        "1. Encourages Member States to apply the International Standards on Drug Use Prevention;",
        "standard/prevention-standards",
        CITES,
    ),
    ("1. Also encourages Member States to implement General Assembly resolution 70/1;", "res/ga/70/1", CITES),
    ("1. Welcomes the 2019 Ministerial Declaration;", "declaration/2019-ministerial-declaration", WELCOMES),
    (
        "1. Takes note of the report contained in document E/CN.7/2014/L.9/Rev.1;",
        "doc/E-CN.7-2014-L.9-Rev.1",
        TAKES_NOTE_OF,
    ),
    ("1. Requests the secretariat to report to the Commission at its sixty-first session;", "session/cnd/61", SESSION),
]


@pytest.mark.parametrize(("text", "target", "relation"), CUES, ids=[row[0][:50] for row in CUES])
def test_cue_types_the_relation(
    text: str, target: str, relation: str, tmp_path: Path, lexicon: Lexicon, registry: Registry
) -> None:
    source, eid = one_paragraph(text)
    resolved = run(source, tmp_path, lexicon, registry)
    assert triples(resolved) == {(eid, iri(target), relation)}


IRI_FORMS: list[tuple[str, str]] = [
    ("Recalling its resolution 57/4 of 21 March 2014,", "res/cnd/57/4"),
    ("Recalling Commission resolution 57/4,", "res/cnd/57/4"),
    ("Recalling General Assembly resolution S-30/1,", "res/ga/S-30/1"),
    ("Recalling General Assembly resolution 217 A (III),", "res/ga/217-A-III"),
    ("Recalling General Assembly resolution 2200 A (XXI), annex,", "res/ga/2200-A-XXI"),
    ("Recalling General Assembly resolution 70/1,", "res/ga/70/1"),
    ("Recalling General Assembly resolution 1774 (XVII),", "res/ga/1774-XVII"),
    ("Recalling that the General Assembly, in its resolution 70/1, adopted the Goals,", "res/ga/70/1"),
    ("Recalling Economic and Social Council resolution 2013/40,", "res/ecosoc/2013/40"),
    ("Recalling Council resolution 2013/40,", "res/ecosoc/2013/40"),
    ("Recalling resolution 2013/40 of the Economic and Social Council,", "res/ecosoc/2013/40"),
    ("Recalling Economic and Social Council resolution 1156(XLI),", "res/ecosoc/1156-XLI"),
    ("Recalling Economic and Social Council resolution 833 B (XXXII),", "res/ecosoc/833-B-XXXII"),
    ("Recalling its resolution 12(XXV),", "res/cnd/12-XXV"),
    ("Recalling its resolution 5 (S-III),", "res/cnd/5-S-III"),
    ("Recalling its decision 57/1,", "dec/cnd/57/1"),
    ("Recalling the report contained in document E/2019/28,", "doc/E-2019-28"),
    ("Recalling the draft contained in document E/CN.7/2014/L.9/Rev.1,", "doc/E-CN.7-2014-L.9-Rev.1"),
    ("Recalling document A/RES/70/1,", "res/ga/70/1"),
    ("Recalling document A/RES/S-30/1,", "res/ga/S-30/1"),
    (
        "Recalling the Single Convention on Narcotic Drugs of 1961,",
        "treaty/1961-single-convention",
    ),
    ("Recalling the Protocol amending the Single Convention on Narcotic Drugs, 1961,", "treaty/1972-protocol"),
    ("Recalling the Convention on Psychotropic Substances of 1971,", "treaty/1971-psychotropic-convention"),
    ("Recalling the 1988 Convention,", "treaty/1988-trafficking-convention"),
    (
        "Recalling the Convention against Illicit Traffic in Narcotic Drugs and Psychotropic Substances of 1988,",
        "treaty/1988-trafficking-convention",
    ),
    ("Recalling the International Covenant on Economic, Social and Cultural Rights,", "treaty/1966-icescr"),
    ("Recalling the International Standards for the Treatment of Drug Use Disorders,", "standard/treatment-standards"),
    ("Recalling the International Standards on the Treatment of Drug Use Disorders,", "standard/treatment-standards"),
    ("Recalling the International Standards on Drug Use Prevention,", "standard/prevention-standards"),
    (
        "Recalling the Ministerial Declaration on Strengthening Our Actions at the National, Regional and "
        "International Levels to Accelerate the Implementation of Our Joint Commitments to Address and Counter the "
        "World Drug Problem,",
        "declaration/2019-ministerial-declaration",
    ),
    ("Recalling the 2019 Ministerial Declaration,", "declaration/2019-ministerial-declaration"),
    (
        "Recalling the Joint Ministerial Statement of the 2014 high-level review,",
        "declaration/2014-joint-ministerial-statement",
    ),
    (
        "Recalling the Political Declaration and Plan of Action on International Cooperation towards an Integrated and "
        "Balanced Strategy to Counter the World Drug Problem,",
        "declaration/2009-political-declaration",
    ),
    ("Recalling the outcome document of the thirtieth special session of the General Assembly,", "res/ga/S-30/1"),
    ("Recalling the 2030 Agenda for Sustainable Development,", "res/ga/70/1"),
    ("Recalling target 3.5 of the Sustainable Development Goals,", SDG_3_5),
    ("Recalling Sustainable Development Goal 3,", "http://metadata.un.org/sdg/3"),
]


@pytest.mark.parametrize(("text", "target"), IRI_FORMS, ids=[row[0][:60] for row in IRI_FORMS])
def test_every_iri_form(text: str, target: str, tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    resolved = run(snippet([text], []), tmp_path, lexicon, registry)
    assert triples(resolved) == {("pp1", iri(target), RECALLS)}
    assert [d for d in resolved.diagnostics if d.code == "unresolved"] == []


SESSIONS: list[tuple[str, str]] = [
    ("Requests the Executive Director to report to the Commission at its sixty-sixth session;", "session/cnd/66"),
    ("Requests the Executive Director to report to the Commission at its 66th session;", "session/cnd/66"),
    (
        "Requests the Executive Director to report at the sixty-sixth session of the Commission on Narcotic Drugs;",
        "session/cnd/66",
    ),
    ("Requests the Secretary-General to report to the General Assembly at its seventy-ninth session;", "session/ga/79"),
    ("Requests the Secretary-General to report at the seventy-ninth session of the General Assembly;", "session/ga/79"),
]


@pytest.mark.parametrize(("text", "target"), SESSIONS, ids=[row[0][40:90] for row in SESSIONS])
def test_sessions(text: str, target: str, tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    resolved = run(snippet(["Noting the matter,"], [text], symbol="60/1"), tmp_path, lexicon, registry)
    assert triples(resolved) == {("op1", iri(target), SESSION)}
    assert [m.due_session for m in resolved.mandates] == [iri(target)]


TS_976 = "United Nations, Treaty Series, vol. 976, No. 14152."
RECORD_2014 = (
    "See Official Records of the Economic and Social Council, 2014, Supplement No. 8 (E/2014/28), chap. I, sect. C."
)

# Each paragraph carries one footnote marker and no other reference: it cites what the footnote resolves to.
IBID_CHAIN: list[tuple[str, str]] = [
    (TS_976, "treaty/1961-single-convention"),
    ("Ibid., vol. 1019, No. 14956.", "treaty/1971-psychotropic-convention"),
    ("Ibid.", "treaty/1971-psychotropic-convention"),
    ("Ibid., vol. 1582, No. 27627.", "treaty/1988-trafficking-convention"),
    (RECORD_2014, "declaration/2014-joint-ministerial-statement"),
    ("Ibid., 2009, Supplement No. 8 (E/2009/28), chap. I, sect. C.", "declaration/2009-political-declaration"),
    ("Ibid.", "declaration/2009-political-declaration"),
    ("Ibid.", "declaration/2009-political-declaration"),
    ("General Assembly resolution S-30/1, annex.", "res/ga/S-30/1"),
    ("Ibid.", "res/ga/S-30/1"),
    ("See Official Records of the Economic and Social Council, 2019, Supplement No. 8 (E/2019/28).", "doc/E-2019-28"),
    ("Ibid., chap. I, sect. B.", "declaration/2019-ministerial-declaration"),  # a locator pin
]


def test_ibid_is_resolved_against_the_footnote_before_it(tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    cues = ["Recalling", "Recalling also", "Recalling further"]
    preamble = [f"{cues[n % 3]} the instrument,{{{n + 1}}}" for n in range(len(IBID_CHAIN))]
    text = snippet(preamble, [], [footnote for footnote, _ in IBID_CHAIN])
    resolved = run(text, tmp_path, lexicon, registry)
    expected = {(f"pp{n}", iri(target), RECALLS) for n, (_, target) in enumerate(IBID_CHAIN, start=1)}
    # an Official Records locator cites the document as well as the text it locates
    for n, (footnote, target) in enumerate(IBID_CHAIN, start=1):
        if target.startswith("declaration/") and ("E/20" in footnote or "chap." in footnote):
            symbol = "E/2014/28" if "2014" in target else "E/2009/28" if "2009" in target else "E/2019/28"
            expected.add((f"pp{n}", iri("doc/" + symbol.replace("/", "-")), RECALLS))
    # a bare "Ibid." right after "Ibid., 2009, Supplement No. 8 (E/2009/28) ..." repeats that record, document too
    expected.add(("pp7", iri("doc/E-2009-28"), RECALLS))
    assert triples(resolved) == expected
    assert all(c.mention.location.container == "footnote" for c in resolved.citations)
    assert [d for d in resolved.diagnostics if d.code == "unresolved"] == []


def test_ibid_with_nothing_before_it_is_a_diagnostic(tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    resolved = run(snippet(["Recalling the instrument,{1}"], [], ["Ibid."]), tmp_path, lexicon, registry)
    assert resolved.citations == ()
    [diagnostic] = [d for d in resolved.diagnostics if d.code == "unresolved"]
    assert str(diagnostic).startswith("snippet.txt:")
    assert "'Ibid.'" in diagnostic.message


def test_ibid_after_an_unresolved_footnote_stays_unresolved(
    tmp_path: Path, lexicon: Lexicon, registry: Registry
) -> None:
    text = snippet(
        ["Recalling the first,{1}", "Recalling the second,{2}"],
        [],
        ["United Nations, Treaty Series, vol. 1, No. 1.", "Ibid."],
    )
    resolved = run(text, tmp_path, lexicon, registry)
    assert resolved.citations == ()
    assert len([d for d in resolved.diagnostics if d.code == "unresolved"]) == 2


def test_footnote_only_reference(tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    text = snippet(
        ["Recalling the outcome document adopted in 2016,{1}", "Reaffirming the commitments made there,{1}"],
        ["Encourages Member States to implement the commitments;{2}"],
        ["General Assembly resolution S-30/1, annex.", "Ibid."],
    )
    resolved = run(text, tmp_path, lexicon, registry)
    assert triples(resolved) == {
        ("pp1", iri("res/ga/S-30/1"), RECALLS),
        ("pp2", iri("res/ga/S-30/1"), REAFFIRMS),
        ("op1", iri("res/ga/S-30/1"), CITES),
    }


def test_seed_000_pp3_cites_the_joint_ministerial_statement_through_footnote_7(
    lexicon: Lexicon, registry: Registry
) -> None:
    [record] = segment_file(SEED_DRAFT_67, registry)
    resolved = resolve(record, find(record, lexicon), registry)
    statement = iri("declaration/2014-joint-ministerial-statement")
    through = [c for c in resolved.citations if c.target == statement and c.mention.location.container == "footnote"]
    [citation] = through
    assert citation.citing.endswith("#pp3")
    assert citation.relation == RECALLS
    assert citation.mention.location.key == "7"
    assert form_symbol(citation.mention.form) == "E/2014/28"
    assert citation.mention.line == 70
    # footnote 8 is "Ibid., 2009, ... (E/2009/28)", resolved against footnote 7
    [political] = [c for c in resolved.citations if c.mention.location.key == "8" and c.target_kind != "Document"]
    assert (political.target, political.citing.endswith("#pp3")) == (
        iri("declaration/2009-political-declaration"),
        True,
    )


def test_stated_facts_from_seed_000_pp5(lexicon: Lexicon, registry: Registry) -> None:
    [record] = segment_file(SEED_DRAFT_67, registry)
    resolved = resolve(record, find(record, lexicon), registry)
    facts = {(f.subject, f.prop, f.value, f.citing.split("#")[1], f.line) for f in resolved.facts}
    assert facts == {
        (iri("res/cnd/57/4"), "date", "2014-03-21", "pp5", 56),
        (iri("res/cnd/57/4"), "title", "Supporting recovery from substance use disorders", "pp5", 56),
        (iri("res/cnd/59/5"), "date", "2016-03-22", "pp5", 56),
        (
            iri("res/cnd/59/5"),
            "title",
            "Mainstreaming a gender perspective in drug-related policies and programmes",
            "pp5",
            56,
        ),
        (iri("res/cnd/64/3"), "date", "2021-04-16", "pp5", 56),
        (
            iri("res/cnd/64/3"),
            "title",
            "Promoting scientific evidence-based, quality, affordable and comprehensive drug prevention, treatment, "
            "sustained recovery and related support services",
            "pp5",
            56,
        ),
        (iri("res/cnd/64/5"), "date", "2021-04-16", "pp6", 58),
        (iri("res/cnd/61/11"), "date", "2018-03-16", "pp15", 84),
    }


def test_stated_facts_only_about_resolutions(tmp_path: Path, lexicon: Lexicon, registry: Registry) -> None:
    text = snippet(
        ['Recalling General Assembly resolution 70/1 of 25 September 2015, entitled "Transforming our world",'],
        ["Welcomes the Convention on Psychotropic Substances of 1971;"],
    )
    resolved = run(text, tmp_path, lexicon, registry)
    assert {(f.subject, f.prop, f.value) for f in resolved.facts} == {
        (iri("res/ga/70/1"), "date", "2015-09-25"),
        (iri("res/ga/70/1"), "title", "Transforming our world"),
    }


def test_reporting_mandates_of_the_seeds(lexicon: Lexicon, registry: Registry) -> None:
    fragment, res_64_3, _ = segment_file(SEED_COMPILATION_64, registry)
    [record_57_4] = segment_file(SEED_ADOPTED_57_4, registry)
    mandates = {}
    for record in (fragment, res_64_3, record_57_4):
        for mandate in resolve(record, find(record, lexicon), registry).mandates:
            mandates[mandate.paragraph.split("/id/", 1)[1]] = (mandate.due_session, mandate.addressees, mandate.line)
    unodc = (iri("body/unodc"),)
    assert mandates == {
        f"{_fragment_path(fragment, registry)}#op11": (iri("session/cnd/65"), unodc, 7),
        "res/cnd/64/3#op20": (iri("session/cnd/66"), unodc, 129),
        "res/cnd/57/4#op10": (iri("session/cnd/58"), unodc, 55),
    }


def _fragment_path(record: Resolution, registry: Registry) -> str:
    return resolution_iri(record, registry).split("/id/", 1)[1]


MANDATES: list[tuple[str, list[tuple[str, tuple[str, ...]]]]] = [
    (
        "Requests the United Nations Office on Drugs and Crime to report to the Commission "
        "at its sixty-eighth session;",
        [("session/cnd/68", ("body/unodc",))],
    ),
    (
        "Invites the International Narcotics Control Board and the World Health Organization to submit a report to the "
        "Commission at its sixty-ninth session;",
        [("session/cnd/69", ("body/incb", "body/who"))],
    ),
    # A past or current session is not a mandate (the resolution is 67/1).
    ("Requests the United Nations Office on Drugs and Crime to report at its sixty-sixth session;", []),
    ("Requests the United Nations Office on Drugs and Crime to report at its sixty-seventh session;", []),
    # No reporting verb: a session is named, nothing is due.
    ("Decides to hold a thematic discussion at its sixty-eighth session;", []),
]


@pytest.mark.parametrize(("text", "expected"), MANDATES, ids=[row[0][:70] for row in MANDATES])
def test_reporting_mandates(
    text: str, expected: list[tuple[str, tuple[str, ...]]], tmp_path: Path, lexicon: Lexicon, registry: Registry
) -> None:
    resolved = run(snippet(["Noting the matter,"], [text]), tmp_path, lexicon, registry)
    got = [(m.paragraph.rsplit("#", 1)[1], m.due_session, m.addressees) for m in resolved.mandates]
    assert got == [("op1", iri(session), tuple(iri(b) for b in who)) for session, who in expected]


ADDRESSINGS: list[tuple[str, set[str]]] = [
    ("Requests the Executive Director of the United Nations Office on Drugs and Crime to assist;", {"body/unodc"}),
    ("Requests UNODC to assist;", {"body/unodc"}),
    (
        "Invites Member States and other donors to provide extrabudgetary resources;",
        {"body/member-states", "body/donors"},
    ),
    (
        "Requests the International Narcotics Control Board and the World Health Organization to assist;",
        {"body/incb", "body/who"},
    ),
    ("Decides to remain seized of the matter.", set()),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSINGS, ids=[row[0][:50] for row in ADDRESSINGS])
def test_addressees_of_operative_paragraphs(
    text: str, expected: set[str], tmp_path: Path, lexicon: Lexicon, registry: Registry
) -> None:
    resolved = run(snippet([f"Noting that the {text[:-1].split(' ', 1)[1]},"], [text]), tmp_path, lexicon, registry)
    assert {(a.paragraph.rsplit("#", 1)[1], a.addressee) for a in resolved.addressings} == {
        ("op1", iri(body)) for body in expected
    }
    assert resolved.citations == ()


UNRESOLVED: list[tuple[list[str], list[str], list[str], int, str]] = [
    (
        ["Recalling the instrument,{1}"],
        [],
        ["United Nations, Treaty Series, vol. 1, No. 1."],
        11,
        "Treaty Series, vol. 1, No. 1",
    ),
    (["Recalling target 3.99 of the Sustainable Development Goals,"], [], [], 7, "target 3.99"),
    (["Recalling Sustainable Development Goal 18,"], [], [], 7, "Sustainable Development Goal 18"),
    (["Recalling resolution 59/5,"], [], [], 7, "resolution 59/5"),  # whose?
    (["Recalling the instrument,{1}"], [], ["Ibid."], 11, "Ibid."),
]


@pytest.mark.parametrize(
    ("preamble", "operative", "footnotes", "line", "quoted"), UNRESOLVED, ids=[r[4] for r in UNRESOLVED]
)
def test_unresolved_mentions_become_diagnostics(
    preamble: list[str],
    operative: list[str],
    footnotes: list[str],
    line: int,
    quoted: str,
    tmp_path: Path,
    lexicon: Lexicon,
    registry: Registry,
) -> None:
    resolved = run(snippet(preamble or ["Noting the matter,"], operative, footnotes), tmp_path, lexicon, registry)
    unresolved = [d for d in resolved.diagnostics if d.code == "unresolved"]
    assert [d.severity for d in unresolved] == [Severity.WARNING]
    assert str(unresolved[0]).startswith(f"snippet.txt:{line}: warning: unresolved ")
    assert quoted in unresolved[0].message
    assert all(quoted not in c.mention.text for c in resolved.citations)


# Hand-checked against the seed texts: every (paragraph eId, target) a reader finds cited.
SEED_000 = {
    "pp1": {
        "treaty/1961-single-convention",
        "treaty/1972-protocol",
        "treaty/1971-psychotropic-convention",
        "treaty/1988-trafficking-convention",
    },
    "pp2": {"res/ga/217-A-III"},  # Universal Declaration of Human Rights, footnote 4
    "pp3": {  # footnotes 5 to 8; the thirtieth special session is not a session
        "declaration/2019-ministerial-declaration",
        "doc/E-2019-28",
        "doc/E-2014-28",
        "doc/E-2009-28",
        "res/ga/S-30/1",
        "declaration/2014-joint-ministerial-statement",
        "declaration/2009-political-declaration",
    },
    "pp4": {"res/ga/S-30/1"},
    "pp5": {"res/cnd/57/4", "res/cnd/59/5", "res/cnd/64/3"},
    "pp6": {"res/cnd/64/5"},
    "pp9": {"standard/treatment-standards", "standard/prevention-standards"},  # footnote 9 only
    "pp12": {"res/ga/70/1", SDG_3_5},
    "pp15": {"res/cnd/61/11"},
    "op7": {"standard/treatment-standards"},
}
SEED_001_FRAGMENT = {
    "op9": {"standard/alternative-development-guiding-principles"},
    "op11": {"session/cnd/65"},
}
SEED_001_64_3 = {
    "pp1": {
        "treaty/1961-single-convention",
        "treaty/1972-protocol",
        "treaty/1971-psychotropic-convention",
        "treaty/1988-trafficking-convention",
    },
    "pp2": {"res/ga/217-A-III"},
    "pp3": {"treaty/1966-icescr", "res/ga/2200-A-XXI"},  # the Covenant, and footnote 18's resolution
    "pp4": {"declaration/2019-ministerial-declaration", "doc/E-2019-28", "session/cnd/62"},  # "adopted at its ..."
    "pp5": {"res/ga/S-30/1"},
    "pp6": {"declaration/2014-joint-ministerial-statement", "doc/E-2014-28"},
    "pp7": {"declaration/2009-political-declaration", "doc/E-2009-28"},
    "pp8": {"res/ga/70/1"},
    "pp9": {"res/ga/74/2"},
    "pp10": {"standard/prevention-standards", "standard/treatment-standards"},
    "pp11": {"res/ga/S-30/1", "standard/hiv-technical-guide"},
    "pp13": {"standard/treatment-standards"},
    "op1": {"standard/prevention-standards", "standard/treatment-standards"},
    "op8": {"standard/prevention-standards"},
    "op15": {"standard/prevention-standards", "standard/treatment-standards"},
    "op16": {"standard/prevention-standards", "standard/treatment-standards"},
    "op20": {"session/cnd/66"},
}
SEED_001_64_4 = {
    "pp1": {
        "treaty/1961-single-convention",
        "treaty/1972-protocol",
        "treaty/1971-psychotropic-convention",
        "treaty/1988-trafficking-convention",
    },
    "pp2": {"declaration/2019-ministerial-declaration", "doc/E-2019-28"},
}
SEED_57_4 = {"pp4": {"res/cnd/54/5"}, "op10": {"session/cnd/58"}}


def _flat(table: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(eid, iri(target)) for eid, targets in table.items() for target in targets}


def _resolve_file(path: Path, lexicon: Lexicon, registry: Registry) -> list[ResolvedResolution]:
    return [resolve(record, find(record, lexicon), registry) for record in segment_file(path, registry)]


def test_seed_000_citations(lexicon: Lexicon, registry: Registry) -> None:
    [resolved] = _resolve_file(SEED_DRAFT_67, lexicon, registry)
    assert resolved.iri == iri("draft/cnd/67/promoting-recovery-and-related-support-services-for-people-with-drug-use")
    assert pairs(resolved) == _flat(SEED_000)
    assert [d for d in resolved.diagnostics if d.severity is not Severity.INFO] == []


def test_seed_001_citations(lexicon: Lexicon, registry: Registry) -> None:
    fragment, res_64_3, res_64_4 = _resolve_file(SEED_COMPILATION_64, lexicon, registry)
    assert fragment.resolution.kind is ResolutionKind.FRAGMENT
    assert (res_64_3.iri, res_64_4.iri) == (iri("res/cnd/64/3"), iri("res/cnd/64/4"))
    assert pairs(fragment) == _flat(SEED_001_FRAGMENT)
    assert pairs(res_64_3) == _flat(SEED_001_64_3)
    assert pairs(res_64_4) == _flat(SEED_001_64_4)
    for resolved in (fragment, res_64_3, res_64_4):
        assert [d for d in resolved.diagnostics if d.severity is not Severity.INFO] == []


@pytest.mark.parametrize(
    ("path", "resolution"),
    [
        (SEED_WEB_PAGE_57, "draft/cnd/57/supporting-recovery-from-substance-use-disorders"),
        (SEED_ADOPTED_57_4, "res/cnd/57/4"),
    ],
)
def test_seed_57_4_citations(path: Path, resolution: str, lexicon: Lexicon, registry: Registry) -> None:
    [resolved] = _resolve_file(path, lexicon, registry)
    assert resolved.iri == iri(resolution)
    assert pairs(resolved) == _flat(SEED_57_4)
    assert [d for d in resolved.diagnostics if d.severity is not Severity.INFO] == []


SEED_RELATIONS: list[tuple[Path, str, str, str]] = [
    (SEED_DRAFT_67, "pp1", "treaty/1971-psychotropic-convention", REAFFIRMS),
    (SEED_DRAFT_67, "pp9", "standard/prevention-standards", NOTES),  # "Noting with appreciation", footnote 9
    (SEED_DRAFT_67, "pp12", SDG_3_5, RECALLS),
    (SEED_DRAFT_67, "op7", "standard/treatment-standards", CITES),  # "Also requests"
    (SEED_COMPILATION_64, "pp10", "standard/prevention-standards", f"{ONTOLOGY}commends"),
    (SEED_COMPILATION_64, "pp13", "standard/treatment-standards", WELCOMES),
    (SEED_COMPILATION_64, "op8", "standard/prevention-standards", NOTES),
    (SEED_COMPILATION_64, "op20", "session/cnd/66", SESSION),
    (SEED_ADOPTED_57_4, "pp4", "res/cnd/54/5", REAFFIRMS),
]


@pytest.mark.parametrize(
    ("path", "eid", "target", "relation"), SEED_RELATIONS, ids=[f"{r[0].name[:3]}-{r[1]}" for r in SEED_RELATIONS]
)
def test_seed_relations(path: Path, eid: str, target: str, relation: str, lexicon: Lexicon, registry: Registry) -> None:
    found = {
        t
        for resolved in _resolve_file(path, lexicon, registry)
        for t in triples(resolved)
        if t[0] == eid and t[1] == iri(target)
    }
    assert {t[2] for t in found} == {relation}


def test_colliding_iris_are_told_apart_by_content_never_by_file_order(tmp_path: Path, registry: Registry) -> None:
    from cndkg.pipeline import run_pipeline

    draft = (
        "Sixty-fifth session\n\nChile: draft resolution\n\nA title that is the same for both drafts\n\n"
        "The Commission on Narcotic Drugs,\n\nNoting a,\n\n1. Invites b.\n"
    )
    adopted = (ROOT / "corpus" / "003_91e135f48c662bd6.txt").read_text("utf-8")
    runs = []
    for names in (("a", "b", "c", "d"), ("d", "c", "b", "a")):  # the same files under names in reverse order
        folder = tmp_path / "".join(names)
        folder.mkdir()
        texts = (draft, draft.replace("Chile", "Peru"), adopted, adopted)
        for name, text in zip(names, texts, strict=True):
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        corpus = run_pipeline([folder], registry, root=folder)
        runs.append({(item.iri, item.resolution.header.sponsors) for item in corpus.resolved})
        merged = [item for item in corpus.resolved if item.iri.endswith("res/cnd/57/4")]
        assert len(merged) == 1 and len(merged[0].resolution.also_sources) == 1
        assert any(
            d.code == "duplicate" and "one entity, derived from both files" in d.message for d in corpus.diagnostics
        )
    assert runs[0] == runs[1]
    base = "https://w3id.org/cndkg/id/draft/cnd/65/a-title-that-is-the-same-for-both-drafts"
    suffixed = sorted(iri for iri, _ in runs[0] if iri.startswith(base))
    assert len(suffixed) == 2 and all(re.fullmatch(re.escape(base) + r"-[0-9a-f]{8}", iri) for iri in suffixed)


def test_different_texts_claiming_one_symbol_are_an_error_naming_both(tmp_path: Path, registry: Registry) -> None:
    from cndkg.pipeline import run_pipeline

    adopted = (ROOT / "corpus" / "003_91e135f48c662bd6.txt").read_text("utf-8")
    (tmp_path / "real.txt").write_text(adopted, encoding="utf-8")
    (tmp_path / "forged.txt").write_text(adopted.replace("Recognizing that", "Denying that", 1), encoding="utf-8")
    corpus = run_pipeline([tmp_path], registry, root=tmp_path)
    assert not [item for item in corpus.resolved if item.iri.endswith("res/cnd/57/4")]
    errors = [d for d in corpus.diagnostics if d.code == "conflict"]
    assert {d.source for d in errors} == {"forged.txt", "real.txt"}
    assert all("forged.txt:" in d.message and "real.txt:" in d.message for d in errors)


def test_document_symbols_differing_only_in_case_are_one_entity(registry: Registry) -> None:
    minter = registry.minter
    assert minter.document("E/cn.7/2014/l.9") == minter.document("E/CN.7/2014/L.9")
    assert minter.document("e/cn.7/2014/l.9/rev.1").endswith("doc/E-CN.7-2014-L.9-Rev.1")


def test_identical_drafts_are_one_entity_and_suffixes_never_collide_with_natural_ones(
    tmp_path: Path, registry: Registry
) -> None:
    from cndkg.pipeline import run_pipeline

    def draft(title: str, verb: str = "Invites") -> str:
        return (
            f"Sixty-fifth session\n\nChile: draft resolution\n\n{title}\n\nThe Commission on Narcotic Drugs,\n\n"
            f"Noting a,\n\n1. {verb} b.\n"
        )

    for name, text in (
        ("a.txt", draft("Promoting recovery")),
        ("b.txt", draft("Promoting recovery")),
        ("c.txt", draft("Promoting recovery", "Urges")),
        ("d.txt", draft("Promoting recovery 2")),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    iris = [item.iri for item in run_pipeline([tmp_path], registry, root=tmp_path).resolved]
    assert len(iris) == len(set(iris)) == 3


def test_the_resolve_memo_keeps_a_text_only_for_the_very_same_parse_results(
    lexicon: Lexicon, registry: Registry
) -> None:
    from dataclasses import replace

    from cndkg.resolve import ResolveMemo, resolve_corpus

    records = [record for path in (SEED_DRAFT_67, SEED_ADOPTED_57_4) for record in segment_file(path, registry)]
    mentions = [find(record, lexicon) for record in records]
    plain = resolve_corpus(records, mentions, registry)
    memo = ResolveMemo()
    first = resolve_corpus(records, mentions, registry, memo)
    again = resolve_corpus(records, mentions, registry, memo)
    assert first == plain and again == plain
    assert all(a is b for a, b in zip(first.texts, again.texts, strict=True)), "the same objects: nothing resolved"
    # An equal record that is another object (a file parsed again) is resolved again, to an equal text.
    copied = [replace(records[0]), *records[1:]]
    fresh = resolve_corpus(copied, mentions, registry, memo)
    assert fresh == plain and fresh.texts[0] is not again.texts[0] and fresh.texts[1] is again.texts[1]
    # Other mentions for the same record: resolved again, and the result follows them.
    fewer = [mentions[0][:1], *mentions[1:]]
    changed = resolve_corpus(copied, fewer, registry, memo)
    assert changed.texts[0] == resolve_corpus(copied, fewer, registry).texts[0] != plain.texts[0]
