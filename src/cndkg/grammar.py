"""The one module that spells the grammar of resolution texts, built from the knowledge tables.

As eyecite builds its extractors from its reporters database, cndkg keeps what it
knows about UN texts as data under ``ontology/reference/``: the issuing bodies
(``issuing-bodies.csv``), the cue phrases with their adverbs and tails
(``cues.csv``). This module reads those tables once and builds from them every
regular expression for bodies, resolution symbols, document symbols, enacting
formulas, cues and footnote markers that the segmenter, the finder and the IRI
minter share. Adding a body or a cue is one line of data; no other module
spells these patterns (a test checks it).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from cndkg.resources import data_dir

# --- issuing bodies ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuingBody:
    """A body that adopts resolutions: its name, IRI key, short name and resolution-symbol organ."""

    name: str
    key: str
    short_name: str
    organ: str


def _read_table(name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV knowledge table, skipping ``#`` comment lines."""
    path = data_dir("ontology") / "reference" / name
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


@lru_cache(maxsize=1)
def issuing_bodies() -> tuple[IssuingBody, ...]:
    """Return the issuing bodies of ``issuing-bodies.csv`` in table order."""
    return tuple(
        IssuingBody(row["name"], row["key"], row["short_name"], row["resolution_organ"])
        for row in _read_table("issuing-bodies.csv")
    )


BODIES: tuple[str, ...] = tuple(b.name for b in issuing_bodies())
BODY_KEYS: dict[str, str] = {b.name: b.key for b in issuing_bodies()}
BODY_BY_SHORT_NAME: dict[str, str] = {}
for _body in issuing_bodies():
    if _body.short_name:
        BODY_BY_SHORT_NAME.setdefault(_body.short_name, _body.name)
BODY_BY_ORGAN: dict[str, str] = {b.organ: b.name for b in issuing_bodies() if b.organ}
BODY_ALTERNATION = "|".join(re.escape(b) for b in sorted(BODIES, key=len, reverse=True))
# The same names with any white space between their words (text wrapped inside a name).
BODY_ALTERNATION_WRAPPED = "|".join(
    r"\s+".join(re.escape(word) for word in b.split()) for b in sorted(BODIES, key=len, reverse=True)
)
_SHORT_ALTERNATION = "|".join(re.escape(s) for s in BODY_BY_SHORT_NAME)

# --- resolution symbols -----------------------------------------------------------------------

ROMAN_SESSION = r"(?:S-)?[IVXLC]{1,8}"
# "1156 (XLI)", "833 B (XXXII)", "914(XXXIV)E": a letter before the session, or glued after it.
OLD_SYMBOL = rf"\d{{1,4}}\s?(?:[IVX]{{1,4}}\s?(?=[A-Z]\s?\())?(?:[A-Z]\s?)?\(\s?{ROMAN_SESSION}\s?\)(?:[A-Z](?![\w/]))?"
NEW_SYMBOL = r"(?:S-\d{1,2}/\d{1,3}|\d{1,4}/\d{1,4})"
RESOLUTION_SYMBOL = rf"(?:{NEW_SYMBOL}(?![\d(])|{OLD_SYMBOL})"
_OLD_PARTS = re.compile(
    rf"^(?P<number>\d{{1,4}})\s*(?:(?P<section>[IVX]{{1,4}})\s*(?=[A-Z]\s*\())?(?:(?P<before>[A-Z])\s*)?\(\s*(?P<session>{ROMAN_SESSION})\s*\)\s*(?P<after>[A-Z])?$"
)
_NEW_PARTS = re.compile(r"^(?P<special>S-)?(?P<session>\d{1,4})/(?P<number>\d{1,4})$")


@dataclass(frozen=True, slots=True)
class SymbolParts:
    """A resolution symbol taken apart: new style (session/number) or old style (number, letter, session)."""

    number: str
    session: str
    letter: str = ""
    old_style: bool = False
    section: str = ""

    @property
    def canonical(self) -> str:
        """Return the symbol as the UN prints it: "57/4", "S-30/1", "914 E (XXXIV)"."""
        if not self.old_style:
            return f"{self.session}/{self.number}"
        letter = "".join(f" {p}" for p in (self.section, self.letter) if p)
        return f"{self.number}{letter} ({self.session})"

    @property
    def path(self) -> str:
        """Return the symbol as an IRI path: "57/4", "914-E-XXXIV"."""
        if not self.old_style:
            return self.canonical
        return "-".join(p for p in (self.number, self.section, self.letter, self.session) if p)


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(numeral: str) -> int | None:
    """Return the value of a Roman numeral ("XXVII" -> 27), or None when it is not one."""
    values = [_ROMAN_VALUES.get(ch) for ch in numeral.upper()]
    if not values or None in values:
        return None
    digits = [v for v in values if v is not None]
    total = 0
    for index, value in enumerate(digits):
        total += -value if index + 1 < len(digits) and digits[index + 1] > value else value
    return total


def symbol_parts(symbol: str) -> SymbolParts | None:
    """Return the parts of a resolution symbol in any printed spacing, or None when it is not one."""
    text = " ".join(symbol.split())
    new = _NEW_PARTS.match(text)
    if new:
        session = ("S-" if new.group("special") else "") + new.group("session")
        return SymbolParts(new.group("number"), session)
    old = _OLD_PARTS.match(text)
    if old and not (old.group("before") and old.group("after")):
        letter = old.group("before") or old.group("after") or ""
        session = old.group("session").replace(" ", "")
        return SymbolParts(old.group("number"), session, letter, old_style=True, section=old.group("section") or "")
    return None


# --- document symbols -------------------------------------------------------------------------

DOCUMENT_PREFIXES = ("A", "E", "S", "ST", "UNODC", "UNDCP", "INCB", "TD", "DP", "HRC")
_PREFIX_ALTERNATION = "|".join(DOCUMENT_PREFIXES)
# A symbol may follow another with a dash: "E/5248-E/CN.7/555" is two documents.
_DOCUMENT_PARTS = r"(?:/(?:S-)?[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*){1,7}"
DOCUMENT_SYMBOL = rf"(?<![\w/.])(?:(?<=\w-)|(?<!-))(?:{_PREFIX_ALTERNATION}){_DOCUMENT_PARTS}(?![\w/])"
# "A/RES/70/181", "E/RES/1987/33", "E/RES/1972/1664(LII)": a resolution named by its document symbol.
_RES_DOCUMENT_SYMBOL = rf"(?:(?:19|20)\d\d/)?{OLD_SYMBOL}|{NEW_SYMBOL}"
RESOLUTION_DOCUMENT = re.compile(rf"^(?P<organ>{_PREFIX_ALTERNATION})/RES/(?P<symbol>{_RES_DOCUMENT_SYMBOL})$")


# Parts the UN prints in title case: "Rev.1", "Add.2", "Corr.1", "Amend.1"; every other part is upper case.
_TITLE_CASE_PARTS = ("rev", "add", "corr", "amend", "summary")


YEAR = re.compile(r"\b(?:19[4-9]\d|20\d\d)\b")
"""A year the texts can date from (1940-2099)."""
YEAR_NUMBERED = re.compile(r"(?:19[4-9]\d|20\d\d)/\d{1,3}")
"""A symbol numbered by year, as the Economic and Social Council's since 1978: "2013/40"."""
SESSION_NUMBERED = re.compile(r"\d{1,3}/\d{1,4}")
"""A symbol that starts with its session's number: CND "61/11", General Assembly "70/1"."""


def years_in(text: str) -> list[int]:
    """Return the years a text names ("Vienna, 14-22 March 2019" -> [2019])."""
    return [int(year) for year in YEAR.findall(text)]


def canonical_document_symbol(symbol: str) -> str:
    """Return a document symbol in its one canonical case: "e/cn.7/2014/l.9/rev.1" -> "E/CN.7/2014/L.9/Rev.1".

    UN symbols are case-insensitive; two spellings must name one entity (and one folder on a
    case-insensitive file system).
    """
    parts = []
    for part in symbol.split("/"):
        head = part.split(".", 1)[0].lower()
        parts.append(part[:1].upper() + part[1:].lower() if head in _TITLE_CASE_PARTS else part.upper())
    return "/".join(parts)


def resolution_of_document(symbol: str) -> tuple[str, str] | None:
    """Return (body, symbol) of a resolution document symbol ("A/RES/70/1" -> GA, "70/1"), else None."""
    match = RESOLUTION_DOCUMENT.match(symbol.strip())
    if not match or match.group("organ") not in BODY_BY_ORGAN:
        return None
    body = BODY_BY_ORGAN[match.group("organ")]
    text = match.group("symbol")
    year_prefixed = re.fullmatch(rf"(?:19|20)\d\d/(?P<old>{OLD_SYMBOL})", text)
    return body, year_prefixed.group("old") if year_prefixed else text


# --- headings and formulas ---------------------------------------------------------------------

# "The Commission on Narcotic Drugs," alone on its line; the comma may be lost when "The" is printed.
ENACTING_FORMULA = re.compile(
    rf"^(?:(?:The\s+)?(?P<body>{BODY_ALTERNATION})\s*,|The\s+(?P<bare>{BODY_ALTERNATION}))\s*$", re.IGNORECASE
)
# The same formula run into the first paragraph ("The General Assembly, Noting that ...").
RUN_IN_FORMULA = re.compile(rf"\bThe\s+(?P<body>{BODY_ALTERNATION})\s*,?(?P<gap>\s+)(?=[A-Z])")
# An archive heading: "1966/1104(XL). Report of ...", "3014(XXVII).", "1951/355(XII)B.Single Convention".
ARCHIVE_HEADING = re.compile(
    rf"^(?:(?P<year>(?:19|20)\d\d)/)?(?P<symbol>{OLD_SYMBOL}|{NEW_SYMBOL})\s*\.\s*(?P<title>[A-Z\"“].*)?$"
)
# "Resolution 57/4", "RESOLUTION 1104 (XL) Title".
RESOLUTION_HEADING = re.compile(
    rf"^(?:Resolution|RESOLUTION)\s+(?P<symbol>{RESOLUTION_SYMBOL})\s*\.?\s*(?P<title>[A-Z].*)?$"
)
# "E/RES/1987/33", "Distr. E/RES/1972/1664(LII)", "A/RES/70/181".
RESOLUTION_DOCUMENT_LINE = re.compile(
    rf"^(?:Distr\.?\s*:?\s*(?:General\s+)?)?(?P<document>(?:{_PREFIX_ALTERNATION})/RES/(?:{_RES_DOCUMENT_SYMBOL}))\s*$"
)


def body_name(text: str) -> str:
    """Return a body's name as the table spells it ("general assembly" -> "General Assembly"), else ``text``."""
    wanted = " ".join(text.split()).lower()
    return next((b for b in BODIES if b.lower() == wanted), text)


# --- cues ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CueTable:
    """The cue phrases of ``cues.csv``, as word tuples, longest first."""

    preambular: tuple[tuple[str, ...], ...]
    operative: tuple[tuple[str, ...], ...]
    adverbs: tuple[tuple[str, ...], ...]
    tails: tuple[tuple[str, ...], ...]

    @property
    def preambular_heads(self) -> frozenset[str]:
        """Return the first words of preambular cues ("Recalling", "Having")."""
        return frozenset(p[0] for p in self.preambular)


def _phrases(rows: list[dict[str, str]], kind: str) -> tuple[tuple[str, ...], ...]:
    words = {tuple(r["phrase"].split()) for r in rows if r["kind"] == kind and r["phrase"]}
    return tuple(sorted(words, key=lambda p: (-len(p), p)))


@lru_cache(maxsize=1)
def cue_table() -> CueTable:
    """Return the cue table read from ``cues.csv``."""
    rows = _read_table("cues.csv")
    return CueTable(
        _phrases(rows, "preambular"), _phrases(rows, "operative"), _phrases(rows, "adverb"), _phrases(rows, "tail")
    )


# Words a "*" in a cue phrase never stands for: the cue ends before them.
_NOT_CUE_WORDS = frozenset(
    [
        "that",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "by",
        "for",
        "with",
        "and",
        "or",
        "as",
        "at",
        "from",
        "which",
        "who",
        "whom",
        "this",
        "these",
        "those",
        "its",
        "their",
    ]
)
_CUE_CHARS = 240  # a cue is within a paragraph's first words: never split a whole long paragraph
_WORD_CHARS = re.compile(r"[^\w\-’']+$")


def _bare(word: str) -> str:
    """Return a word without the punctuation that ends it ("Recalling," -> "Recalling")."""
    last = word[-1:]
    if not last or last.isalnum() or last in "-’'":
        return word  # most words end in a letter: no substitution needed
    return _WORD_CHARS.sub("", word)


def _match_phrase(words: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    if at + len(phrase) > len(words):
        return False
    for offset, wanted in enumerate(phrase):
        word = _bare(words[at + offset])
        if wanted == "*":
            if not word or word.lower() in _NOT_CUE_WORDS or not word[:1].islower():
                return False
            continue
        if word.lower() != wanted.lower():
            return False
        if offset < len(phrase) - 1 and word != words[at + offset]:
            return False  # punctuation inside the phrase ends it ("Noting, in particular")
    return True


@lru_cache(maxsize=16)
def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Return the phrases grouped by their first word (lower case), longest first in each group."""
    groups: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0].lower(), []).append(phrase)
    return {word: tuple(group) for word, group in groups.items()}


def _longest(words: list[str], at: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """Return how many words of the longest phrase that matches at ``at`` (0 when none)."""
    if at >= len(words):
        return 0
    candidates = _by_first_word(phrases).get(_bare(words[at]).lower(), ())
    return next((len(p) for p in candidates if _match_phrase(words, at, p)), 0)


def cue_of(text: str) -> str:
    """Return the cue a paragraph opens with, read with the cue table.

    Takes the paragraph text (number removed). Returns its adverbs, the longest
    cue phrase of the table (or the first word when none matches) and up to two
    tails: "Further invites", "Bearing in mind also", "Having been informed",
    "Noting with appreciation", "Takes note" (never "of"), "Appeals consequently".
    """
    table = cue_table()
    words = text[:_CUE_CHARS].split()[:12]
    taken = 0
    while taken < 3 and (size := _longest(words, taken, table.adverbs)):
        if words[taken + size - 1] != _bare(words[taken + size - 1]):
            return " ".join(words[: taken + size]).rstrip(" ,;:")
        taken += size
    if taken >= len(words):
        return " ".join(words).rstrip(" ,;:")
    head = _longest(words, taken, table.preambular) or _longest(words, taken, table.operative) or 1
    taken += head
    for _ in range(2):
        if words[taken - 1] != _bare(words[taken - 1]):
            break
        size = _longest(words, taken, table.tails)
        if not size:
            break
        taken += size
    cue = " ".join(_bare(w) if i == taken - 1 else w for i, w in enumerate(words[:taken]))
    # A first word of punctuation or control characters only ("—", ESC) is the cue as it stands: a
    # paragraph always has one, never an empty string.
    return cue or (words[0] if words else "")


def starts_with_cue(text: str, kind: str) -> bool:
    """Return True when text opens with a cue phrase of ``kind`` ("preambular" or "operative") in the table."""
    table = cue_table()
    words = text[:_CUE_CHARS].split()[:8]
    at = 0
    while at < 3 and (size := _longest(words, at, table.adverbs)) and at + size < len(words):
        at += size
    phrases = table.preambular if kind == "preambular" else table.operative
    if not words or not words[0][:1].isupper() or at >= len(words):
        return False
    return _longest(words, at, phrases) > 0


# --- footnote markers ----------------------------------------------------------------------------

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# Typewriter-era markers: "5/", "*/", "**/" (glued to the word before or standing alone).
SLASH_MARKER = re.compile(r"(?P<label>\d{1,3}|\*{1,3})/(?=[\s,.;:)\]]|$)")
