"""The forms of references in resolution texts, and a finder over one piece of text.

Each ``_find_*`` function is pure: text in, candidate spans out. Candidates are
then kept in priority order (official records before the symbols inside them,
named instruments before the sessions inside their names), never overlapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace

from cndkg import grammar as G
from cndkg.dates import MONTH_PATTERN, iso_date
from cndkg.find.lexicon import Lexicon
from cndkg.model import (
    AntecedentForm,
    DocumentForm,
    IbidForm,
    MentionForm,
    MentionKind,
    NameForm,
    OfficialRecordForm,
    ResolutionForm,
    SdgForm,
    SessionForm,
    TreatySeriesForm,
)
from cndkg.ordinals import ORDINAL_PATTERN
from cndkg.spans import SpanSet

RESOLUTION_SYMBOL = G.RESOLUTION_SYMBOL
DOCUMENT_SYMBOL = G.DOCUMENT_SYMBOL
_NAMED_BODIES = G.BODY_ALTERNATION
_SHORT_BODIES = "|".join(G.BODY_BY_SHORT_NAME)
_BODY_WORDS = rf"{_NAMED_BODIES}|{_SHORT_BODIES}|its|their"
_OWNER_OF_ITS = re.compile(
    rf"\b(?P<body>{_NAMED_BODIES}|{_SHORT_BODIES}),?\s+(?:at|in|by|through|under)\s+(?:its\s+)?$"
)
# "its declaration in resolution 3012 (XXVII)": the text's own body, through what it adopted.
_ITS_THING_IN = re.compile(r"\b(?:its|their)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:in|by|under)\s+$")
# "resolution 10 (XXV) of the Commission on Narcotic Drugs": the body named after the number.
_BODY_AFTER = re.compile(rf"\s+of\s+the\s+(?P<body>{_NAMED_BODIES})\b")
_RESOLUTION_HEAD = re.compile(
    rf"(?:\b(?P<body>{_BODY_WORDS})\s+)?\b(?P<word>[Rr]esolutions?|[Dd]ecisions?)\s+(?={RESOLUTION_SYMBOL})"
)
_SYMBOL_AT = re.compile(RESOLUTION_SYMBOL + r"(?![\w/])")
_DATE_AFTER = re.compile(rf",?\s+of\s+(?P<day>\d{{1,2}})\s+(?P<month>{MONTH_PATTERN})\s+(?P<year>\d{{4}})")
_TITLE_AFTER = re.compile(r",?\s+entitled\s+[“\"](?P<title>[^”\"]{3,500})[”\"]")
_LIST_SEPARATOR = re.compile(
    rf"(?:,\s*(?:and\s+)?|\s+and\s+|\s+or\s+)(?P<word>(?:resolution|decision)\s+)?(?={RESOLUTION_SYMBOL})"
)
_TREATY_SERIES = re.compile(
    r"United\s+Nations,?\s+Treaty\s+Series,?\s+vol\.\s*(?P<volume>\d{1,5}),?\s+No\.\s*(?P<number>\d{1,6})"
)
_LOCATOR_PART = r"(?:chap\.|chaps\.|annex|sect\.|part|para\.|paras\.)\s*[A-Z\d]{1,6}"
_LOCATOR = rf"{_LOCATOR_PART}(?:,\s*{_LOCATOR_PART})*"
_OFFICIAL_RECORD = re.compile(
    rf"Official\s+Records\s+of\s+the\s+(?P<organ>{G.BODY_ALTERNATION_WRAPPED})"
    r"(?:,\s*(?P<session>[\w\-]+\s+(?:special\s+)?[Ss]ession))?,\s*(?:(?P<year>\d{4}),\s*)?"
    rf"Supplement\s+No\.\s*(?P<supplement>\d{{1,3}}[A-Z]?)\s*\((?P<symbol>{DOCUMENT_SYMBOL})\)"
    rf"(?:,\s*(?P<locator>{_LOCATOR}))?"
)
_IBID = re.compile(
    r"\b(?:Ibid|Id)\.?(?P<rest>(?:,\s*(?:vol\.\s*\d{1,5},?\s+No\.\s*\d{1,6}|"
    rf"(?:\d{{4}},\s*)?Supplement\s+No\.\s*\d{{1,3}}[A-Z]?\s*\({DOCUMENT_SYMBOL}\)(?:,\s*{_LOCATOR})?|"
    rf"{_LOCATOR}))?)"
)
_IBID_LOCATOR = re.compile(rf",\s*(?P<locator>{_LOCATOR})")
_IBID_VOLUME = re.compile(r"vol\.\s*(?P<volume>\d{1,5}),?\s+No\.\s*(?P<number>\d{1,6})")
_IBID_RECORD = re.compile(
    rf"(?:(?P<year>\d{{4}}),\s*)?Supplement\s+No\.\s*(?P<supplement>\d{{1,3}}[A-Z]?)\s*\((?P<symbol>{DOCUMENT_SYMBOL})\)"
    rf"(?:,\s*(?P<locator>{_LOCATOR}))?"
)
_DOCUMENT = re.compile(DOCUMENT_SYMBOL)
_SDG_TARGETS = re.compile(
    r"\b[Tt]argets?\s+(?P<list>\d{1,2}\.(?:\d{1,2}|[a-d])(?:(?:,\s*(?:and\s+)?|\s+and\s+)\d{1,2}\.(?:\d{1,2}|[a-d]))*)\b"
)
_SDG_NOTATION = re.compile(r"\d{1,2}\.(?:\d{1,2}|[a-d])\b")
_SDG_CONTEXT = re.compile(r"Sustainable Development|\bGoals?\b|2030 Agenda|\bSDGs?\b")
_SDG_GOAL = re.compile(r"\b(?:Sustainable\s+Development\s+Goal|SDG|Goal)\s+(?P<goal>\d{1,2})\b(?!\.\d)")
# Never starting right after a dash, so a compound ordinal is read whole ("sixty–sixth", not "sixth").
_SESSION = re.compile(
    rf"(?<![\w\-–‑‐])(?P<ordinal>{ORDINAL_PATTERN})\s+(?:regular\s+)?session\b"
    rf"(?:\s+of\s+the\s+(?P<body>{_NAMED_BODIES}))?",
    re.IGNORECASE,
)
# An operative text that asks for a report, and the words before a session that make it the session the
# report is due at ("to the Commission at its", "for consideration at its", "before the", "by the"), as
# opposed to "the report on its twentieth session".
_REPORTING = re.compile(
    r"\breport(?:s|ing)?\b|\bsubmit\b|\binform\b|\bshare\s+(?:experiences|information)\b|\bpresent\b"
)
_DUE_AT = re.compile(r"\b(?:at|to|before|by|for|until)\s+(?:its|the|their)\s*$")
_ADDRESS = re.compile(
    r"\b(?:[Rr]equests|[Ii]nvites|[Cc]alls\s+upon|[Cc]alls\s+on|[Uu]rges|[Ee]ncourages|[Aa]ppeals\s+to|"
    r"[Ii]nstructs|[Aa]uthorizes|[Ee]ntrusts|[Ee]ncourage|[Rr]equest|[Ii]nvite)\s+"
    r"(?P<who>[^;:]{1,300}?)(?=\s+(?:to|that|in\s+accordance|through)\b|,|;|$)"
)


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate mention in one piece of text."""

    kind: MentionKind
    start: int
    end: int
    text: str
    form: MentionForm


_PRIORITY = (
    MentionKind.OFFICIAL_RECORD,
    MentionKind.TREATY_SERIES,
    MentionKind.IBID,
    MentionKind.NAMED_INSTRUMENT,
    MentionKind.RESOLUTION,
    MentionKind.DECISION,
    MentionKind.DOCUMENT,
    MentionKind.SDG_TARGET,
    MentionKind.SDG_GOAL,
    MentionKind.SESSION,
    MentionKind.ADDRESSEE,
)


def find_in_text(text: str, lexicon: Lexicon, *, operative: bool = False, antecedent: str | None = None) -> list[Found]:
    """Find every mention in one piece of text.

    Takes the text, the name lexicon, whether it is an operative paragraph (only
    those have addressees) and, for a footnote, the text of the footnote before
    it (what an "Ibid." points back to). Returns non-overlapping candidates in
    text order; where two overlap, the kind earlier in the priority list wins.
    """
    finders: list[Callable[[], Iterator[Found]]] = [
        lambda: _find_official_records(text),
        lambda: _find_treaty_series(text),
        lambda: _find_ibid(text, antecedent, lexicon),
        lambda: _find_names(text, lexicon),
        lambda: _find_resolutions(text),
        lambda: _find_documents(text),
        lambda: _find_sdg(text),
        lambda: _find_sessions(text),
    ]
    if operative:
        finders.append(lambda: _find_addressees(text, lexicon))
    candidates = [found for finder in finders for found in finder()]
    candidates.sort(key=lambda f: (_PRIORITY.index(f.kind), f.start, -(f.end - f.start)))
    kept: list[Found] = []
    taken = SpanSet()
    for candidate in candidates:
        if candidate.end <= candidate.start or taken.add(candidate.start, candidate.end):
            kept.append(candidate)
    kept.sort(key=lambda f: (f.start, f.end))
    if operative and _REPORTING.search(text):
        kept = [_with_due_clause(text, found) for found in kept]
    return kept


def _with_due_clause(text: str, found: Found) -> Found:
    """Give a session the clause that asks for a report due at it ("to report to it at its ... session")."""
    if not isinstance(found.form, SessionForm) or not _DUE_AT.search(text, max(0, found.start - 80), found.start):
        return found
    left = text.rfind(";", 0, found.start) + 1
    right = text.find(";", found.end)
    clause = text[left : right if right >= 0 else len(text)].strip()
    return replace(found, form=replace(found.form, due_clause=clause))


def _name_form(text: str) -> NameForm:
    """Return a name's form (its words, spaces collapsed)."""
    return NameForm(" ".join(text.split()))


def _clean(value: str | None) -> str | None:
    """Return a value the words give with its spaces collapsed, or None for nothing."""
    return " ".join(value.split()) or None if value else None


def _find_resolutions(text: str) -> Iterator[Found]:
    """Find resolution and decision symbols, lists of them, and their dates and titles.

    A list ("resolutions 59/5, 60/1 and 64/3", "resolution 70/1 and resolution 74/2")
    shares its head's body; "its" after a named body ("the Assembly, in its resolution
    70/1") records that body. A head inside a list already read is not read again.
    """
    covered = 0
    for head in _RESOLUTION_HEAD.finditer(text):
        if head.start() < covered:
            continue
        body = head.group("body") or ""
        if body == "its":
            body = owner_before(text, head.start()) or body
        elif not body:
            body = _body_around(text, head.start(), head.end())
        covered = yield from _read_list(text, head.start(), head.end(), head.group("word"), body)


def _read_list(text: str, start: int, position: int, word: str, body: str) -> Generator[Found, None, int]:
    """Yield each symbol of the list whose head ends at ``position``; return where the list ends."""
    while symbol := _SYMBOL_AT.match(text, position):
        kind = MentionKind.DECISION if word.lower().startswith("decision") else MentionKind.RESOLUTION
        date = _DATE_AFTER.match(text, symbol.end())
        after = date.end() if date else symbol.end()
        title = _TITLE_AFTER.match(text, after)
        iso = iso_date(date.group("day"), date.group("month"), date.group("year")) if date else None
        form = ResolutionForm(
            " ".join(symbol.group(0).split()), _clean(body), iso, _clean(title.group("title")) if title else None
        )
        yield Found(kind, start, symbol.end(), text[start : symbol.end()], form)
        position = title.end() if title else after
        separator = _LIST_SEPARATOR.match(text, position)
        if not separator:
            break
        word = separator.group("word") or word
        start = separator.start("word") if separator.group("word") else separator.end()
        position = separator.end()
    return position


def _body_around(text: str, start: int, symbol_start: int) -> str:
    """Return the body of a resolution head that names none itself, from the words around it.

    "the General Assembly in resolution 2719 (XXV)" and "its declaration in resolution
    3012 (XXVII)" name it before; "resolution 10 (XXV) of the Commission on Narcotic
    Drugs" after the symbol. Returns "" when the words say nothing.
    """
    owner = owner_before(text, start)
    if owner:
        return owner
    if _ITS_THING_IN.search(text, max(0, start - 60), start):
        return "its"
    symbol = _SYMBOL_AT.match(text, symbol_start)
    if symbol:
        after = _BODY_AFTER.match(text, symbol.end())
        if after:
            return after.group("body")
    return ""


def owner_before(text: str, start: int) -> str | None:
    """Return the body named just before ``start`` that an "its" there refers to, else None.

    "the General Assembly, in its resolution 70/1" and "to the General Assembly at its
    seventy-ninth session" give "General Assembly"; "the Assembly, in" gives "Assembly".
    """
    match = _OWNER_OF_ITS.search(text, max(0, start - 120), start)
    return expand_short_name(text, match.start("body"), match.group("body")) if match else None


_SHORT_NAME_WINDOW = 1500


def expand_short_name(text: str, start: int, word: str) -> str:
    """Return the full name a short body name ("the Commission") stands for: the body last named in full.

    Looks back from ``start`` for the last full name whose short name is ``word``;
    returns ``word`` itself when there is none (the resolver then applies its default).
    """
    if word not in G.BODY_BY_SHORT_NAME:
        return word
    candidates = [b.name for b in G.issuing_bodies() if b.short_name == word]
    best, where = word, -1
    window = max(0, start - _SHORT_NAME_WINDOW)  # bounded, so a text of many mentions stays linear
    for name in candidates:
        found = text.rfind(name, window, start)
        if found > where:
            best, where = name, found
    return best


def _find_treaty_series(text: str) -> Iterator[Found]:
    """Find "United Nations, Treaty Series, vol. 976, No. 14152"."""
    for match in _TREATY_SERIES.finditer(text):
        yield Found(
            MentionKind.TREATY_SERIES,
            match.start(),
            match.end(),
            match.group(0),
            TreatySeriesForm(match.group("volume"), match.group("number")),
        )


def _find_official_records(text: str) -> Iterator[Found]:
    """Find "Official Records of the ..., 2019, Supplement No. 8 (E/2019/28), chap. I, sect. B"."""
    for match in _OFFICIAL_RECORD.finditer(text):
        form = OfficialRecordForm(
            symbol=_clean(match.group("symbol")),
            locator=_clean(match.group("locator")),
            organ=_clean(match.group("organ")),
            year=_clean(match.group("year")),
            supplement=_clean(match.group("supplement")),
        )
        yield Found(MentionKind.OFFICIAL_RECORD, match.start(), match.end(), match.group(0), form)


def _find_ibid(text: str, antecedent: str | None, lexicon: Lexicon) -> Iterator[Found]:
    """Find "Ibid." and record what it points back to: the form of the footnote before it.

    Its own pin ("vol. 1019, No. 14956", "2009, Supplement No. 8 (E/2009/28)" or a
    locator such as "chap. I, sect. B") is recorded beside what it points back to.
    """
    pointed, back = _antecedent(antecedent, lexicon)
    for match in _IBID.finditer(text):
        rest = match.group("rest") or ""
        form = IbidForm(pointed, back)
        volume = _IBID_VOLUME.search(rest)
        record = _IBID_RECORD.search(rest)
        locator = _IBID_LOCATOR.fullmatch(rest)
        if volume:
            pin = TreatySeriesForm(volume.group("volume"), volume.group("number"))
            form = IbidForm(MentionKind.TREATY_SERIES, back, pin)
        elif record:
            pin_record = OfficialRecordForm(
                symbol=_clean(record.group("symbol")),
                locator=_clean(record.group("locator")),
                year=_clean(record.group("year")),
                supplement=_clean(record.group("supplement")),
            )
            form = IbidForm(MentionKind.OFFICIAL_RECORD, back, pin_record)
        elif locator:
            form = IbidForm(pointed, back, locator=_clean(locator.group("locator")))
        yield Found(MentionKind.IBID, match.start(), match.end(), match.group(0), form)


def _antecedent(antecedent: str | None, lexicon: Lexicon) -> tuple[MentionKind | None, AntecedentForm | None]:
    """Return the kind and form of the first mention of the footnote before (what "Ibid." points back to).

    A pinned "Ibid." there stands for what its pin says ("Ibid." after "Ibid., vol.
    1019, No. 14956" is volume 1019); a bare one gives nothing (the resolver follows
    such chains through the targets of earlier footnotes).
    """
    pointed = find_in_text(antecedent, lexicon) if antecedent else []
    if not pointed:
        return None, None
    first = pointed[0]
    if not isinstance(first.form, IbidForm):
        return first.kind, first.form
    own: AntecedentForm | None = first.form.pin
    if own is None and first.form.locator and first.form.pointed is MentionKind.OFFICIAL_RECORD:
        own = OfficialRecordForm(locator=first.form.locator)
    return (first.form.pointed, own) if first.form.pointed and own else (None, None)


def _find_names(text: str, lexicon: Lexicon) -> Iterator[Found]:
    """Find treaties, declarations, standards and named resolutions by name."""
    for pattern in (lexicon.instruments, lexicon.instruments_exact):
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            yield Found(
                MentionKind.NAMED_INSTRUMENT, match.start(), match.end(), match.group(0), _name_form(match.group(0))
            )


def _find_documents(text: str) -> Iterator[Found]:
    """Find document symbols ("E/2019/28", "E/CN.7/2014/L.9/Rev.1", "A/RES/70/1")."""
    for match in _DOCUMENT.finditer(text):
        symbol = match.group(0).rstrip(".")
        if not any(ch.isdigit() for ch in symbol.rsplit("/", 1)[-1]):
            continue  # "E/CN.7/SR" without its meeting number is a series, not a document
        yield Found(MentionKind.DOCUMENT, match.start(), match.start() + len(symbol), symbol, DocumentForm(symbol))


def _find_sdg(text: str) -> Iterator[Found]:
    """Find SDG targets ("target 3.5 of the Goals") and goals ("Sustainable Development Goal 3")."""
    if not _SDG_CONTEXT.search(text):
        return
    for match in _SDG_TARGETS.finditer(text):
        first = True
        for notation in _SDG_NOTATION.finditer(text, match.start("list"), match.end("list")):
            start = match.start() if first else notation.start()
            yield Found(
                MentionKind.SDG_TARGET,
                start,
                notation.end(),
                text[start : notation.end()],
                SdgForm(notation.group(0)),
            )
            first = False
    for match in _SDG_GOAL.finditer(text):
        yield Found(MentionKind.SDG_GOAL, match.start(), match.end(), match.group(0), SdgForm(match.group("goal")))


def _find_sessions(text: str) -> Iterator[Found]:
    """Find sessions by ordinal ("at its sixty-sixth session"); special sessions are not sessions here."""
    for match in _SESSION.finditer(text):
        yield Found(
            MentionKind.SESSION,
            match.start(),
            match.end(),
            match.group(0),
            SessionForm(
                " ".join(match.group("ordinal").split()),
                _clean(match.group("body") or _session_owner(text, match.start())),
            ),
        )


def _session_owner(text: str, start: int) -> str | None:
    """Return the body of "<body> at its <ordinal> session" when the text names one before "its"."""
    if not re.search(r"\bits\s+$", text[max(0, start - 6) : start]):
        return None
    return owner_before(text, start)


def _find_addressees(text: str, lexicon: Lexicon) -> Iterator[Found]:
    """Find the bodies an operative paragraph addresses ("Requests the Executive Director of ...")."""
    for address in _ADDRESS.finditer(text):
        who_start, who_end = address.span("who")
        for pattern in (lexicon.bodies, lexicon.bodies_exact):
            if pattern is None:
                continue
            for match in pattern.finditer(text, who_start, who_end):
                yield Found(
                    MentionKind.ADDRESSEE, match.start(), match.end(), match.group(0), _name_form(match.group(0))
                )
