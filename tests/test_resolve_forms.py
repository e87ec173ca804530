"""Resolver table tests built from typed mentions, without segmenting or finding (as eyecite's factories do).

Each row is a mention form as the finder would give it, in a text of a known body and
session; the resolver must answer with this target (IRI, kind, identifier, implied session)
or leave it unresolved with a warning that says why.
"""

from __future__ import annotations

import pytest

from cndkg.model import (
    DocumentForm,
    Header,
    IbidForm,
    Mention,
    MentionForm,
    MentionKind,
    OfficialRecordForm,
    Paragraph,
    ParagraphKind,
    Resolution,
    ResolutionForm,
    ResolutionKind,
    SdgForm,
    SessionForm,
    TextLocation,
    TreatySeriesForm,
)
from cndkg.registry import Registry
from cndkg.resolve import resolve

ID = "https://w3id.org/cndkg/id/"
CND = "Commission on Narcotic Drugs"


def text_of(body: str = CND, symbol: str = "62/4", operative: str = "Requests a report") -> Resolution:
    """Return a one-paragraph adopted text of ``body`` (session from its symbol)."""
    paragraph = Paragraph(ParagraphKind.OPERATIVE, 1, 1, "Requests", operative, 3)
    return Resolution(ResolutionKind.ADOPTED, "t.txt", 1, body, Header(symbol=symbol), (paragraph,), ())


def mention(kind: MentionKind, form: MentionForm, text: str = "x") -> Mention:
    """Return a mention of ``kind`` in paragraph op1, with ``form`` as the finder would fill it."""
    return Mention(kind, text, 0, len(text), TextLocation("paragraph", "op1"), 3, ("op1",), form)


R, D = MentionKind.RESOLUTION, MentionKind.DECISION
ROWS: list[tuple[str, Mention, tuple[str, str, str, int | None]]] = [
    ("its resolution", mention(R, ResolutionForm("61/11", "its")), (f"{ID}res/cnd/61/11", "Resolution", "61/11", 61)),
    (
        "the Assembly's, old style",
        mention(R, ResolutionForm("217 A(III)", "General Assembly")),
        (f"{ID}res/ga/217-A-III", "Resolution", "217 A (III)", None),
    ),
    (
        "ECOSOC by year",
        mention(R, ResolutionForm("2013/40", None)),
        (f"{ID}res/ecosoc/2013/40", "Resolution", "2013/40", None),
    ),
    ("a decision", mention(D, ResolutionForm("61/1", "its")), (f"{ID}dec/cnd/61/1", "Decision", "61/1", 61)),
    (
        "A/RES/ as a document",
        mention(MentionKind.DOCUMENT, DocumentForm("A/RES/70/1")),
        (f"{ID}res/ga/70/1", "Resolution", "70/1", 70),
    ),
    (
        "a plain document",
        mention(MentionKind.DOCUMENT, DocumentForm("E/2019/28")),
        (f"{ID}doc/E-2019-28", "Document", "E/2019/28", None),
    ),
    (
        "a session of its own body",
        mention(MentionKind.SESSION, SessionForm("sixty-sixth")),
        (f"{ID}session/cnd/66", "Session", "", 66),
    ),
    (
        "an official record without a locator",
        mention(MentionKind.OFFICIAL_RECORD, OfficialRecordForm("E/2014/28")),
        (f"{ID}doc/E-2014-28", "Document", "E/2014/28", None),
    ),
    (
        "a bare Ibid. after an official record: the symbol its IRI carries",
        mention(MentionKind.IBID, IbidForm(MentionKind.OFFICIAL_RECORD, OfficialRecordForm("e/2014/28"))),
        (f"{ID}doc/E-2014-28", "Document", "E/2014/28", None),
    ),
]


@pytest.mark.parametrize(("why", "found", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_resolver_table(
    why: str, found: Mention, expected: tuple[str, str, str, int | None], registry: Registry
) -> None:
    resolved = resolve(text_of(), [found], registry)
    assert [d.message for d in resolved.diagnostics if d.code == "unresolved"] == []
    [citation] = resolved.citations
    about = citation.about
    assert about is not None
    assert (citation.target, citation.target_kind, about.identifier, about.session) == expected


UNRESOLVED: list[tuple[str, Mention, str]] = [
    ("no body named", mention(R, ResolutionForm("61/11", None)), "does not say whose resolution"),
    ("no such SDG target", mention(MentionKind.SDG_TARGET, SdgForm("3.99")), "there is no SDG target 3.99"),
    ("a bare Ibid. with nothing before", mention(MentionKind.IBID, IbidForm()), "no footnote before it"),
    (
        "a Treaty Series place not in the reference data",
        mention(MentionKind.TREATY_SERIES, TreatySeriesForm("1", "1")),
        "is not in ontology/reference/instruments.ttl",
    ),
    ("a later resolution than the text", mention(R, ResolutionForm("70/1", "its")), "after the citing text"),
]


@pytest.mark.parametrize(("why", "found", "reason"), UNRESOLVED, ids=[row[0] for row in UNRESOLVED])
def test_resolver_leaves_unresolved(why: str, found: Mention, reason: str, registry: Registry) -> None:
    resolved = resolve(text_of(), [found], registry)
    assert resolved.citations == ()
    [warning] = [d for d in resolved.diagnostics if d.code == "unresolved"]
    assert reason in warning.message and warning.line == 3


def test_a_session_due_clause_makes_a_mandate_only_after_the_texts_own_session(registry: Registry) -> None:
    later = mention(MentionKind.SESSION, SessionForm("sixty-sixth", None, "to report to it at its sixty-sixth session"))
    earlier = mention(MentionKind.SESSION, SessionForm("sixtieth", None, "to report at its sixtieth session"))
    undue = mention(MentionKind.SESSION, SessionForm("sixty-seventh"))
    resolved = resolve(text_of(), [later, earlier, undue], registry)
    assert [(m.due_session, m.phrase) for m in resolved.mandates] == [
        (f"{ID}session/cnd/66", "to report to it at its sixty-sixth session")
    ]
