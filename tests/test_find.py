"""Stage 3, find: eyecite-style tables of text -> mentions, and what must not be found.

Each row is ``(text, [(kind, matched text, selected fields)])``. Only the fields a
row names are compared (``None`` means "must be absent"), so a row states what the
form of the text says without repeating every field the finder records.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from cndkg.find import Lexicon, find, find_in_text
from cndkg.find.patterns import Found
from cndkg.model import IbidForm, MentionForm, MentionKind, Resolution, form_symbol
from cndkg.registry import Registry

from .conftest import SEED_WEB_PAGE_57, SEEDS, segment_file

RES = MentionKind.RESOLUTION
DEC = MentionKind.DECISION
NAME = MentionKind.NAMED_INSTRUMENT
UNTS = MentionKind.TREATY_SERIES
RECORD = MentionKind.OFFICIAL_RECORD
DOC = MentionKind.DOCUMENT
TARGET = MentionKind.SDG_TARGET
GOAL = MentionKind.SDG_GOAL
SESSION = MentionKind.SESSION
IBID = MentionKind.IBID
WHO = MentionKind.ADDRESSEE

Expected = list[tuple[MentionKind, str, dict[str, str | None]]]

TITLE_57_4 = "Supporting recovery from substance use disorders"
TRAFFIC_1988 = "Convention against Illicit Traffic in Narcotic Drugs and Psychotropic Substances of 1988"
RECORD_2019 = (
    "Official Records of the Economic and Social Council, 2019, Supplement No. 8 (E/2019/28), chap. I, sect. B"
)
RECORD_2014 = (
    "Official Records of the Economic and Social Council, 2014, Supplement No. 8 (E/2014/28), chap. I, sect. C"
)

CND_RESOLUTIONS: list[tuple[str, Expected]] = [
    (
        "Recalling its resolution 61/11 of 16 March 2018, in which Member States were encouraged",
        [(RES, "its resolution 61/11", {"symbol": "61/11", "body": "its", "date": "2018-03-16", "title": None})],
    ),
    (
        f"Recalling further its resolution 57/4 of 21 March 2014, entitled “{TITLE_57_4}”,",
        [(RES, "its resolution 57/4", {"symbol": "57/4", "date": "2014-03-21", "title": TITLE_57_4})],
    ),
    (
        f'its resolution 57/4, entitled "{TITLE_57_4}",',
        [(RES, "its resolution 57/4", {"symbol": "57/4", "date": None, "title": TITLE_57_4})],
    ),
    (
        "Recalling its resolutions 59/5 and 64/3,",
        [
            (RES, "its resolutions 59/5", {"symbol": "59/5", "body": "its"}),
            (RES, "64/3", {"symbol": "64/3", "body": "its"}),
        ],
    ),
    (
        "Recalling its resolutions 59/5, 60/1 and 64/3,",
        [
            (RES, "its resolutions 59/5", {"symbol": "59/5", "body": "its"}),
            (RES, "60/1", {"symbol": "60/1", "body": "its"}),
            (RES, "64/3", {"symbol": "64/3", "body": "its"}),
        ],
    ),
    (
        "Recalling its resolutions 59/5, 60/1, and 64/3,",
        [(RES, "its resolutions 59/5", {}), (RES, "60/1", {"body": "its"}), (RES, "64/3", {"body": "its"})],
    ),
    (
        "Recalling its resolutions 59/5 of 22 March 2016 and 64/3 of 16 April 2021,",
        [
            (RES, "its resolutions 59/5", {"symbol": "59/5", "date": "2016-03-22"}),
            (RES, "64/3", {"symbol": "64/3", "date": "2021-04-16"}),
        ],
    ),
    (
        # The seed 000 list: each member its own head, each with its own date and title.
        f"its resolution 57/4 of 21 March 2014, entitled “{TITLE_57_4}”, its resolution 59/5 of 22 March 2016, "
        "entitled “Mainstreaming a gender perspective in drug-related policies and programmes”, and its "
        "resolution 64/3 of 16 April 2021,",
        [
            (RES, "its resolution 57/4", {"symbol": "57/4", "date": "2014-03-21", "title": TITLE_57_4}),
            (RES, "its resolution 59/5", {"symbol": "59/5", "date": "2016-03-22"}),
            (RES, "its resolution 64/3", {"symbol": "64/3", "date": "2021-04-16", "title": None}),
        ],
    ),
    ("Recalling resolution 12(XXV) of the Commission,", [(RES, "resolution 12(XXV)", {"symbol": "12(XXV)"})]),
    ("Recalling its resolution 12 (XXV),", [(RES, "its resolution 12 (XXV)", {"symbol": "12 (XXV)"})]),
    ("Recalling its resolution 5 (S-III),", [(RES, "its resolution 5 (S-III)", {"symbol": "5 (S-III)"})]),
    ("Recalling Commission resolution 57/4,", [(RES, "Commission resolution 57/4", {"body": "Commission"})]),
    ("Recalling its decision 57/1,", [(DEC, "its decision 57/1", {"symbol": "57/1", "body": "its"})]),
    (
        "Recalling its resolution 60/1 and decision 61/2,",
        [(RES, "its resolution 60/1", {"symbol": "60/1"}), (DEC, "decision 61/2", {"symbol": "61/2", "body": "its"})],
    ),
]

GA_RESOLUTIONS: list[tuple[str, Expected]] = [
    ("General Assembly resolution 70/1.", [(RES, "General Assembly resolution 70/1", {"symbol": "70/1"})]),
    ("General Assembly resolution S-30/1, annex.", [(RES, "General Assembly resolution S-30/1", {"symbol": "S-30/1"})]),
    ("General Assembly resolution 217 A (III).", [(RES, "General Assembly resolution 217 A (III)", {})]),
    (
        "General Assembly resolution 2200 A (XXI), annex.",
        [(RES, "General Assembly resolution 2200 A (XXI)", {"symbol": "2200 A (XXI)", "body": "General Assembly"})],
    ),
    ("General Assembly resolution 74/2.", [(RES, "General Assembly resolution 74/2", {"symbol": "74/2"})]),
    ("General Assembly resolution 1774 (XVII)", [(RES, "General Assembly resolution 1774 (XVII)", {})]),
    (
        "Recalling General Assembly resolutions 70/1 and S-30/1,",
        [
            (RES, "General Assembly resolutions 70/1", {"symbol": "70/1"}),
            (RES, "S-30/1", {"symbol": "S-30/1", "body": "General Assembly"}),
        ],
    ),
    (
        # "and resolution 74/2" continues the list: it is the Assembly's too.
        "Recalling General Assembly resolution 70/1 of 25 September 2015, entitled “Transforming our world”, "
        "and resolution 74/2 of 10 October 2019,",
        [
            (RES, "General Assembly resolution 70/1", {"date": "2015-09-25", "title": "Transforming our world"}),
            (RES, "resolution 74/2", {"symbol": "74/2", "body": "General Assembly", "date": "2019-10-10"}),
        ],
    ),
    (
        # "its" after a named body is that body's, not the enacting body's.
        "Recalling that the General Assembly, in its resolution 70/1, adopted",
        [(RES, "its resolution 70/1", {"body": "General Assembly"})],
    ),
    ("in which the Assembly, in its resolution 70/1,", [(RES, "its resolution 70/1", {"body": "Assembly"})]),
    (
        "Recalling General Assembly resolution 70/1 and its resolution 57/4,",
        [
            (RES, "General Assembly resolution 70/1", {"body": "General Assembly"}),
            (RES, "its resolution 57/4", {"body": "its"}),
        ],
    ),
]

ECOSOC_RESOLUTIONS: list[tuple[str, Expected]] = [
    (
        "Economic and Social Council resolution 1156(XLI)",
        [(RES, "Economic and Social Council resolution 1156(XLI)", {"symbol": "1156(XLI)"})],
    ),
    ("Recalling Council resolution 2013/40,", [(RES, "Council resolution 2013/40", {"body": "Council"})]),
    (
        "Economic and Social Council resolution 833 B (XXXII)",
        [(RES, "Economic and Social Council resolution 833 B (XXXII)", {"symbol": "833 B (XXXII)"})],
    ),
    (
        "Recalling Economic and Social Council resolutions 2013/40 and 2014/9,",
        [
            (RES, "Economic and Social Council resolutions 2013/40", {"symbol": "2013/40"}),
            (RES, "2014/9", {"symbol": "2014/9", "body": "Economic and Social Council"}),
        ],
    ),
    (
        "resolution 2013/40 of the Economic and Social Council",
        [(RES, "resolution 2013/40", {"symbol": "2013/40", "body": "Economic and Social Council"})],
    ),
    (
        "as approved by the General Assembly in resolution 2719(XXV) of 15 December 1970",
        [(RES, "resolution 2719(XXV)", {"symbol": "2719(XXV)", "body": "General Assembly"})],
    ),
    (
        "its declaration in resolution 3012 (XXVII)",
        [(RES, "resolution 3012 (XXVII)", {"symbol": "3012 (XXVII)", "body": "its"})],
    ),
    (
        "resolution 10 (XXV) of the Commission on Narcotic Drugs",
        [(RES, "resolution 10 (XXV)", {"symbol": "10 (XXV)", "body": "Commission on Narcotic Drugs"})],
    ),
]

TREATIES: list[tuple[str, Expected]] = [
    (
        "the Single Convention on Narcotic Drugs of 1961 as amended by the 1972 Protocol,",
        [(NAME, "Single Convention on Narcotic Drugs of 1961", {}), (NAME, "1972 Protocol", {})],
    ),
    (
        "the Single Convention on Narcotic Drugs, 1961, as amended by the 1972 Protocol",
        [(NAME, "Single Convention on Narcotic Drugs, 1961", {}), (NAME, "1972 Protocol", {})],
    ),
    (
        "the Convention on Psychotropic Substances of 1971 and",
        [(NAME, "Convention on Psychotropic Substances of 1971", {})],
    ),
    (
        f"the United Nations {TRAFFIC_1988},",
        [(NAME, f"United Nations {TRAFFIC_1988}", {})],
    ),
    # Without "United Nations" (an alias added for this test).
    (f"the {TRAFFIC_1988}", [(NAME, TRAFFIC_1988, {})]),
    ("parties to the 1988 Convention", [(NAME, "1988 Convention", {"name": "1988 Convention"})]),
    (
        "the Protocol amending the Single Convention on Narcotic Drugs, 1961,",
        [(NAME, "Protocol amending the Single Convention on Narcotic Drugs, 1961", {})],
    ),
    (
        "the International Covenant on Economic, Social and Cultural Rights,",
        [(NAME, "International Covenant on Economic, Social and Cultural Rights", {})],
    ),
    (
        "United Nations, Treaty Series, vol. 976, No. 14152.",
        [(UNTS, "United Nations, Treaty Series, vol. 976, No. 14152", {"volume": "976", "number": "14152"})],
    ),
    (
        "United Nations, Treaty Series, vol. 1019, No. 14956.",
        [(UNTS, "United Nations, Treaty Series, vol. 1019, No. 14956", {"volume": "1019", "number": "14956"})],
    ),
]

INSTRUMENTS: list[tuple[str, Expected]] = [
    (
        "with the International Standards for the Treatment of Drug Use Disorders,",
        [(NAME, "International Standards for the Treatment of Drug Use Disorders", {})],
    ),
    (
        "the International Standards on Drug Use Prevention and the International Standards on the Treatment of "
        "Drug Use Disorders",
        [
            (NAME, "International Standards on Drug Use Prevention", {}),
            (NAME, "International Standards on the Treatment of Drug Use Disorders", {}),
        ],
    ),
    ("Recalling the 2019 Ministerial Declaration,", [(NAME, "2019 Ministerial Declaration", {})]),
    (
        "the outcome document of the thirtieth special session of the General Assembly, entitled",
        [(NAME, "outcome document of the thirtieth special session of the General Assembly", {})],
    ),
]

RECORDS: list[tuple[str, Expected]] = [
    (
        f"See {RECORD_2019}.",
        [
            (
                RECORD,
                RECORD_2019,
                {
                    "organ": "Economic and Social Council",
                    "year": "2019",
                    "supplement": "8",
                    "symbol": "E/2019/28",
                    "locator": "chap. I, sect. B",
                },
            )
        ],
    ),
    (
        f"See {RECORD_2014}.",
        [(RECORD, RECORD_2014, {"symbol": "E/2014/28", "locator": "chap. I, sect. C"})],
    ),
    (
        "Official Records of the General Assembly, Seventy-first Session, Supplement No. 8 (A/71/8).",
        [
            (
                RECORD,
                "Official Records of the General Assembly, Seventy-first Session, Supplement No. 8 (A/71/8)",
                {"organ": "General Assembly", "symbol": "A/71/8", "year": None, "locator": None},
            )
        ],
    ),
]

DOCUMENTS: list[tuple[str, Expected]] = [
    ("in its report (E/2019/28),", [(DOC, "E/2019/28", {"symbol": "E/2019/28"})]),
    ("E/CN.7/2014/L.9/Rev.1.", [(DOC, "E/CN.7/2014/L.9/Rev.1", {"symbol": "E/CN.7/2014/L.9/Rev.1"})]),
    ("see A/RES/70/1 and A/RES/S-30/1.", [(DOC, "A/RES/70/1", {}), (DOC, "A/RES/S-30/1", {"symbol": "A/RES/S-30/1"})]),
    ("See E/CN.7/2019/15, para. 3.", [(DOC, "E/CN.7/2019/15", {})]),
]

SDG: list[tuple[str, Expected]] = [
    ("more specifically target 3.5 of the Goals,", [(TARGET, "target 3.5", {"notation": "3.5"})]),
    (
        "targets 3.5 and 16.4 of the Sustainable Development Goals",
        [(TARGET, "targets 3.5", {"notation": "3.5"}), (TARGET, "16.4", {"notation": "16.4"})],
    ),
    (
        "targets 3.3, 3.5 and 3.8 of the 2030 Agenda",
        [(TARGET, "targets 3.3", {"notation": "3.3"}), (TARGET, "3.5", {}), (TARGET, "3.8", {"notation": "3.8"})],
    ),
    ("target 3.d of the Sustainable Development Goals", [(TARGET, "target 3.d", {"notation": "3.d"})]),
    ("Sustainable Development Goal 3", [(GOAL, "Sustainable Development Goal 3", {"notation": "3"})]),
]

SESSIONS: list[tuple[str, Expected]] = [
    (
        "to report to the Commission at its sixty-sixth session",
        [(SESSION, "sixty-sixth session", {"body": "Commission"})],
    ),
    (
        "the Commission on Narcotic Drugs and to the Commission at its sixty-sixth session",
        [(SESSION, "sixty-sixth session", {"body": "Commission on Narcotic Drugs"})],
    ),
    ("at its sixty-sixth session", [(SESSION, "sixty-sixth session", {"ordinal": "sixty-sixth"})]),
    ("at its sixty–sixth session", [(SESSION, "sixty–sixth session", {"ordinal": "sixty–sixth"})]),
    ("at its sixty‑sixth session", [(SESSION, "sixty‑sixth session", {"ordinal": "sixty‑sixth"})]),
    ("at its 66th session", [(SESSION, "66th session", {"ordinal": "66th"})]),
    ("at its sixty-second regular session", [(SESSION, "sixty-second regular session", {"ordinal": "sixty-second"})]),
    (
        "at the sixty-ninth session of the General Assembly",
        [(SESSION, "sixty-ninth session of the General Assembly", {"body": "General Assembly"})],
    ),
    (
        # "its" after a named body: the Assembly's session, not the Commission's.
        "to report to the General Assembly at its seventy-ninth session",
        [(SESSION, "seventy-ninth session", {"ordinal": "seventy-ninth", "body": "General Assembly"})],
    ),
]

ALL_KINDS = CND_RESOLUTIONS + GA_RESOLUTIONS + ECOSOC_RESOLUTIONS + TREATIES + INSTRUMENTS + RECORDS + DOCUMENTS
ALL_KINDS += SDG + SESSIONS


def check(found: list[Found], text: str, expected: Expected) -> None:
    """Compare found mentions with a table row: kinds, matched texts and the named fields, in order."""
    assert [(f.kind, f.text) for f in found] == [(kind, matched) for kind, matched, _ in expected]
    for item, (_, _, fields) in zip(found, expected, strict=True):
        assert text[item.start : item.end] == item.text
        values = flat(item.form)
        assert {name: values.get(name) for name in fields} == fields


def flat(form: MentionForm) -> dict[str, str | None]:
    """Return a mention's form as the names the tables use.

    An "Ibid." names what it points back to ``antecedent_*``, beside its own pin.
    """
    if not isinstance(form, IbidForm):
        return {key: value for key, value in dataclasses.asdict(form).items() if value}
    values: dict[str, str | None] = {"antecedent_kind": form.pointed.value if form.pointed else None}
    if form.antecedent is not None:
        values |= {f"antecedent_{k}": v for k, v in dataclasses.asdict(form.antecedent).items() if v}
    if form.pin is not None:
        values |= {k: v for k, v in dataclasses.asdict(form.pin).items() if v}
    if form.locator:
        values["locator"] = form.locator
    return values


@pytest.mark.parametrize(("text", "expected"), ALL_KINDS, ids=[row[0][:60] for row in ALL_KINDS])
def test_find_table(text: str, expected: Expected, lexicon: Lexicon) -> None:
    check(find_in_text(text, lexicon), text, expected)


TS_976 = "United Nations, Treaty Series, vol. 976, No. 14152."

IBIDS: list[tuple[str, str | None, Expected]] = [
    (
        "Ibid., vol. 1019, No. 14956.",
        TS_976,
        [
            (
                IBID,
                "Ibid., vol. 1019, No. 14956",
                {
                    "antecedent_kind": "treaty-series",
                    "antecedent_volume": "976",
                    "antecedent_number": "14152",
                    "volume": "1019",
                    "number": "14956",
                },
            )
        ],
    ),
    (
        "Ibid.",
        TS_976,
        [(IBID, "Ibid.", {"antecedent_kind": "treaty-series", "antecedent_volume": "976", "volume": None})],
    ),
    (
        # A pinned "Ibid." after another "Ibid.": the pin says what it is.
        "Ibid., vol. 1582, No. 27627.",
        "Ibid., vol. 1019, No. 14956.",
        [(IBID, "Ibid., vol. 1582, No. 27627", {"antecedent_kind": "treaty-series", "volume": "1582"})],
    ),
    (
        "Ibid., 2009, Supplement No. 8 (E/2009/28), chap. I, sect. C.",
        f"See {RECORD_2014}.",
        [
            (
                IBID,
                "Ibid., 2009, Supplement No. 8 (E/2009/28), chap. I, sect. C",
                {
                    "antecedent_kind": "official-record",
                    "antecedent_symbol": "E/2014/28",
                    "symbol": "E/2009/28",
                    "year": "2009",
                    "locator": "chap. I, sect. C",
                },
            )
        ],
    ),
    (
        "Ibid.",
        "General Assembly resolution S-30/1, annex.",
        [(IBID, "Ibid.", {"antecedent_kind": "resolution", "antecedent_symbol": "S-30/1"})],
    ),
    (
        # A bare "Ibid." after a pinned one: the pin is what it points back to.
        "Ibid.",
        "Ibid., vol. 1019, No. 14956.",
        [(IBID, "Ibid.", {"antecedent_kind": "treaty-series", "antecedent_volume": "1019", "volume": None})],
    ),
    # A bare "Ibid." after a bare one: the form says nothing (the resolver follows the chain).
    ("Ibid.", "Ibid.", [(IBID, "Ibid.", {"antecedent_kind": None})]),
    (
        "Ibid., chap. I, sect. B.",
        "See Official Records of the Economic and Social Council, 2019, Supplement No. 8 (E/2019/28).",
        [
            (
                IBID,
                "Ibid., chap. I, sect. B",
                {"antecedent_kind": "official-record", "antecedent_symbol": "E/2019/28", "locator": "chap. I, sect. B"},
            )
        ],
    ),
    ("Ibid.", None, [(IBID, "Ibid.", {"antecedent_kind": None})]),
]


@pytest.mark.parametrize(("text", "antecedent", "expected"), IBIDS, ids=[f"{r[0]} after {r[1]}" for r in IBIDS])
def test_ibid_table(text: str, antecedent: str | None, expected: Expected, lexicon: Lexicon) -> None:
    check(find_in_text(text, lexicon, antecedent=antecedent), text, expected)


ADDRESSEES: list[tuple[str, Expected]] = [
    (
        "Requests the Executive Director of the United Nations Office on Drugs and Crime to report to the Commission "
        "at its sixty-sixth session on the implementation of the present resolution;",
        [
            (WHO, "Executive Director of the United Nations Office on Drugs and Crime", {}),
            (SESSION, "sixty-sixth session", {}),
        ],
    ),
    (
        "Invites Member States and other donors to provide extrabudgetary resources for these purposes;",
        [(WHO, "Member States", {"name": "Member States"}), (WHO, "other donors", {})],
    ),
    ("Calls upon Member States to provide, promote, improve,", [(WHO, "Member States", {})]),
    (
        "Requests the International Narcotics Control Board and the World Health Organization to continue",
        [(WHO, "International Narcotics Control Board", {}), (WHO, "World Health Organization", {})],
    ),
    (
        # Only the addressed body, not the ones it is to collaborate with.
        "Requests the United Nations Office on Drugs and Crime, in consultation with Member States, the World "
        "Health Organization and other relevant stakeholders, to develop guidelines;",
        [(WHO, "United Nations Office on Drugs and Crime", {})],
    ),
    (
        "Notes the role of law enforcement officials, and encourages Member States to provide those officials",
        [(WHO, "Member States", {})],
    ),
    ("Requests UNODC to facilitate exchanges;", [(WHO, "UNODC", {"name": "UNODC"})]),
    (
        "Invites the Secretary-General to report to the General Assembly at its seventy-ninth session;",
        [(WHO, "Secretary-General", {}), (SESSION, "seventy-ninth session", {"body": "General Assembly"})],
    ),
    ("Decides to remain seized of the matter.", []),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSEES, ids=[row[0][:60] for row in ADDRESSEES])
def test_addressee_table(text: str, expected: Expected, lexicon: Lexicon) -> None:
    check(find_in_text(text, lexicon, operative=True), text, expected)


@pytest.mark.parametrize(("text", "_"), ADDRESSEES[:4])
def test_preambular_paragraphs_have_no_addressees(text: str, _: Expected, lexicon: Lexicon) -> None:
    assert all(f.kind is not WHO for f in find_in_text(text, lexicon, operative=False))


NOTHING = [
    "1961",
    "in 1988",
    "adopted in 1961 and amended in 1972",
    "the present resolution",
    "this resolution",
    "Requests the Executive Director to report on the implementation of the present resolution",
    "the resolutions adopted by the Commission",
    "the thirtieth special session of the General Assembly, held in 2016",
    "at its twentieth special session",
    "HIV/AIDS",
    "the prevalence of HIV/AIDS and other blood-borne diseases",
    "target 3.5 of the plan",
    "a reduction target of 3.5 per cent",
    "the three international drug control conventions",
]


@pytest.mark.parametrize("text", NOTHING)
def test_nothing_is_found(text: str, lexicon: Lexicon) -> None:
    assert find_in_text(text, lexicon, operative=True) == []


NOT_OF_KIND: list[tuple[str, MentionKind]] = [
    ("Joint United Nations Programme on HIV/AIDS", DOC),
    ("the Single Convention on Narcotic Drugs of 1961", UNTS),
    ("the Convention on Psychotropic Substances of 1971", RES),
    ("in which Member States committed to the 2030 Agenda by 2030", TARGET),
    ("the targets 3.5 and 16.4 of the strategy", TARGET),
    ("in paragraph 3.5 of the Sustainable Development report", TARGET),
    ("outcome document of the thirtieth special session of the General Assembly", SESSION),
    ("Recalling the thirtieth special session of the General Assembly on the world drug problem", SESSION),
]


@pytest.mark.parametrize(("text", "kind"), NOT_OF_KIND)
def test_not_found_as(text: str, kind: MentionKind, lexicon: Lexicon) -> None:
    assert all(f.kind is not kind for f in find_in_text(text, lexicon, operative=True))


def test_lexicon_without_names_finds_only_forms() -> None:
    text = "the Single Convention on Narcotic Drugs of 1961 and its resolution 57/4"
    check(find_in_text(text, Lexicon.empty()), text, [(RES, "its resolution 57/4", {})])


@pytest.mark.parametrize("path", SEEDS, ids=[p.name for p in SEEDS])
def test_every_span_slices_back_to_its_text(path: Path, registry: Registry, lexicon: Lexicon) -> None:
    for record in segment_file(path, registry):
        containers = _containers(record)
        mentions = find(record, lexicon)
        assert mentions
        for mention in mentions:
            text = containers[(mention.location.container, mention.location.key)]
            assert text[mention.start : mention.end] == mention.text


def _containers(record: Resolution) -> dict[tuple[str, str], str]:
    texts = {("footnote", f.label): f.text for f in record.footnotes}
    for paragraph in record.paragraphs:
        texts["paragraph", paragraph.eid] = paragraph.text
        for sub in paragraph.subparagraphs:
            texts["paragraph", f"{paragraph.eid}-{sub.key}"] = sub.text
    return texts


@pytest.mark.parametrize("text", [row[0] for row in ALL_KINDS + ADDRESSEES])
def test_table_spans_slice_back(text: str, lexicon: Lexicon) -> None:
    found = find_in_text(text, lexicon, operative=True)
    assert all(text[f.start : f.end] == f.text for f in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_site_chrome_of_seed_002_is_not_cited(registry: Registry, lexicon: Lexicon) -> None:
    [record] = segment_file(SEED_WEB_PAGE_57, registry)
    mentions = find(record, lexicon)
    assert [(m.location.key, m.text) for m in mentions if m.kind is not WHO] == [
        ("pp4", "its resolution 54/5"),
        ("op10", "fifty-eighth session"),
    ]
    for mention in mentions:
        assert "49/6" not in mention.text and "50/3" not in mention.text
        assert form_symbol(mention.form) not in ("49/6", "50/3")
        assert not mention.text.startswith("E/CN.7/2014/")


def test_seed_000_footnote_mentions_are_cited_by_their_paragraphs(registry: Registry, lexicon: Lexicon) -> None:
    [record] = segment_file(SEEDS[0], registry)
    by_footnote = {
        m.location.key: (m.kind, m.citing) for m in find(record, lexicon) if m.location.container == "footnote"
    }
    assert by_footnote == {
        "1": (UNTS, ("pp1",)),
        "2": (IBID, ("pp1",)),
        "3": (IBID, ("pp1",)),
        "4": (RES, ("pp2",)),
        "5": (RECORD, ("pp3",)),
        "6": (RES, ("pp3",)),
        "7": (RECORD, ("pp3",)),
        "8": (IBID, ("pp3",)),
        "9": (NAME, ("pp9",)),
        "10": (RES, ("pp12",)),
    }
