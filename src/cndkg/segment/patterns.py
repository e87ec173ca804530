"""The shapes of lines in resolution texts: formulas, cues, numbers, headers, footnotes.

Pure data and predicates, shared by the unit builder, the header reader and the
body reader. Cue words are the paragraph-opening words of UN resolutions; the
mapping from a cue to a citation relation lives in the ontology, not here.
"""

from __future__ import annotations

import re

from cndkg import grammar as G
from cndkg.dates import MONTH_PATTERN
from cndkg.ordinals import ORDINAL_PATTERN

SUPERSCRIPTS = G.SUPERSCRIPTS
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPTS, "0123456789")

BODIES = G.BODIES
_BODY_ALTERNATION = G.BODY_ALTERNATION
ENACTING_FORMULA = G.ENACTING_FORMULA

OPERATIVE_NUMBER = re.compile(r"^(?P<number>\d{1,5})\s*\.(?:\s+|(?=[A-Z*]))")
SUBPARAGRAPH = re.compile(r"^(?P<label>\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)|[a-z]\))\s+")
_TAIL = 60  # how a paragraph ends is in its last characters: never scan the whole paragraph
_TERMINAL = re.compile(r"(?:[,;:.]|[;,]\s+(?:and|or))\s*[\"'”’)]*\s*[" + SUPERSCRIPTS + r"*/\d]*\s*$")

FOOTNOTE_DEFINITION = re.compile(
    r"^(?:(?P<sup>[" + SUPERSCRIPTS + r"]{1,3})\s*"
    r"|(?P<old>\d{1,3}|\*{1,3})/\s+"
    r"|\[(?P<bracket>\d{1,3})\]\s+"
    r"|(?P<plain>\d{1,3})\s+(?=(?:United Nations|Ibid|See |" + G.BODY_ALTERNATION + "|Official Records"
    r"|E/|A/|Resolution|Available|http|Report of|Document|Treaty Series|World Health|International)))"
    r"(?P<body>\S.*)$"
)
PAGE_ARTEFACT = re.compile(
    r"^(?:\d{1,3}/\d{1,3}|-\s?\d{1,4}\s?-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}|"
    r"[VG]E?\.?\s?\d{2}-\d{4,6}(?:\s*\([A-Z]\))?(?:\s+\S+){0,4}|\*\d{7,}\*|\d{2}-\d{5}\s*\([A-Z]\))$"
)

PREAMBLE_CUE_WORDS = G.cue_table().preambular_heads
_CAPITALISED_WORD = re.compile(r"^([A-Z][a-z]+(?:-[a-z]+)?)\b")
_VERB_S = re.compile(r"^[A-Z][a-z]+(?:-[a-z]+)?s$")

ADOPTED_SYMBOL_LINE = G.RESOLUTION_HEADING
NUMBERED_TITLE_LINE = G.ARCHIVE_HEADING
RESOLUTION_DOCUMENT_LINE = G.RESOLUTION_DOCUMENT_LINE
DRAFT_LINE = re.compile(
    r"^(?:(?P<sponsors>[^:]{2,}?)\s*:\s*)?(?P<label>(?:revised\s+|further\s+revised\s+)?draft\s+resolution"
    r"(?:\s+[IVX]{1,5})?)(?:\s+submitted\s+by\s+(?P<submitter>.+?))?\s*\.?$",
    re.IGNORECASE,
)
SESSION_LINE = re.compile(rf"(?P<ordinal>{ORDINAL_PATTERN})\s+(?:regular\s+|reconvened\s+)?session\b", re.IGNORECASE)
AGENDA_LINE = re.compile(r"^(?:Provisional\s+)?agenda\s+items?\s+(?P<item>.+?)\s*$", re.IGNORECASE)
DISTRIBUTION_LINE = re.compile(r"^Distr\.?\s*:?\s*(?:General|Limited|Restricted)\b", re.IGNORECASE)
ORIGINAL_LINE = re.compile(r"^Original\s*:", re.IGNORECASE)
DATE_LINE = re.compile(rf"^(?P<day>\d{{1,2}})\s+(?P<month>{MONTH_PATTERN})\s+(?P<year>\d{{4}})$")
# Bounded, so a long line of months ("Ab, 1 March March ...") costs linear time, not a backtrack per month.
PLACE_DATES_LINE = re.compile(rf"^[A-Z][A-Za-z .'-]{{0,80}},\s+\d{{1,2}}.{{0,60}}(?:{MONTH_PATTERN}).{{0,60}}\d{{4}}$")
DOCUMENT_SYMBOL_LINE = re.compile(rf"^(?P<symbol>{G.DOCUMENT_SYMBOL})$")
BODY_NAME_LINE = re.compile(rf"^(?:United Nations|{_BODY_ALTERNATION})$", re.IGNORECASE)


# A site's tag line set between paragraphs ("• Civil society engagement"): never part of a paragraph.
BULLETS = "•·▪◦‣"
BULLET_TAG = re.compile(rf"^[{BULLETS}]\s*\S.{{0,80}}$")


def footnote_label(raw: str) -> str:
    """Return a footnote label in plain form: superscript digits made ASCII."""
    return raw.translate(_FROM_SUPERSCRIPT)


def ends_clause(text: str) -> bool:
    """Return True when text ends as a paragraph may end (comma, semicolon, colon, stop).

    Trailing closing quotes and footnote markers (``,¹``, ``, 1/``) are ignored.
    """
    return bool(_TERMINAL.search(text[-_TAIL:]))


def starts_with_preamble_cue(text: str) -> bool:
    """Return True when text opens with a word or phrase that opens preambular paragraphs."""
    match = _CAPITALISED_WORD.match(text)
    return bool(match and match.group(1) in PREAMBLE_CUE_WORDS) or G.starts_with_cue(text, "preambular")


def starts_with_operative_cue(text: str) -> bool:
    """Return True when text opens like an unnumbered operative paragraph ("Decides that", "Further invites")."""
    if G.starts_with_cue(text, "operative"):
        return True
    words = text.split()
    adverbs = {a[0].lower() for a in G.cue_table().adverbs if len(a) == 1}
    while words and words[0].lower() in adverbs:
        words = words[1:]
    return bool(words and _VERB_S.match(words[0].rstrip(",;:")))


def is_bare_cue(text: str) -> bool:
    """Return True for a line that holds nothing but a cue phrase ("Recalling also", "Decides")."""
    if len(text) > _TAIL:
        return False
    words = text.split()
    if not 0 < len(words) <= 5 or not words[0][:1].isupper():
        return False
    return G.cue_of(text) == " ".join(words).rstrip(",;:") and (
        G.starts_with_cue(text, "preambular") or G.starts_with_cue(text, "operative")
    )


def is_header_line(text: str) -> bool:
    """Return True for a line that can only belong to a resolution's header."""
    return bool(
        ADOPTED_SYMBOL_LINE.match(text)
        or NUMBERED_TITLE_LINE.match(text)
        or RESOLUTION_DOCUMENT_LINE.match(text)
        or DRAFT_LINE.match(text)
        or AGENDA_LINE.match(text)
        or DISTRIBUTION_LINE.match(text)
        or ORIGINAL_LINE.match(text)
        or DATE_LINE.match(text)
        or DOCUMENT_SYMBOL_LINE.match(text)
        or (SESSION_LINE.fullmatch(text.strip()) is not None)
    )


def extract_cue(text: str, emphasis: str = "") -> str:
    """Return the cue words a paragraph opens with ("Recalling also", "Calls upon").

    Takes the paragraph text (number removed) and the emphasised words it opens
    with, if the source had any: those are the cue exactly. Otherwise the cue is
    read with the cue table (:func:`cndkg.grammar.cue_of`).
    """
    if emphasis and text.startswith(emphasis):
        return emphasis.rstrip(" ,;:")
    return G.cue_of(text)
