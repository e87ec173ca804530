"""The shapes of lines in resolution texts: formulas, cues, numbers, headers, footnotes.

Pure data and predicates, shared by the unit builder, the header reader and the
body reader. Cue words are the paragraph-opening words of UN resolutions; the
mapping from a cue to a citation relation lives in the ontology, not here.
"""

from __future__ import annotations

import re

from cndkg.dates import MONTH_PATTERN
from cndkg.ordinals import ORDINAL_PATTERN

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPTS, "0123456789")

BODIES = (
    "Commission on Narcotic Drugs",
    "Economic and Social Council",
    "General Assembly",
    "Commission on Crime Prevention and Criminal Justice",
    "Human Rights Council",
    "Security Council",
    "World Health Assembly",
    "Commission on Human Rights",
    "Commission on the Status of Women",
)
_BODY_ALTERNATION = "|".join(re.escape(b) for b in BODIES)
ENACTING_FORMULA = re.compile(rf"^(?:The\s+)?(?P<body>{_BODY_ALTERNATION})\s*,\s*$", re.IGNORECASE)

OPERATIVE_NUMBER = re.compile(r"^(?P<number>\d{1,5})\s*\.(?:\s+|(?=[A-Z*]))")
SUBPARAGRAPH = re.compile(r"^(?P<label>\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)|[a-z]\))\s+")
_TERMINAL = re.compile(r"[,;:.]\s*[\"'”’)]*\s*[" + SUPERSCRIPTS + r"*/\d]*\s*$")

FOOTNOTE_DEFINITION = re.compile(
    r"^(?:(?P<sup>[" + SUPERSCRIPTS + r"]{1,3})\s*"
    r"|(?P<old>\d{1,3}|\*{1,3})/\s+"
    r"|(?P<plain>\d{1,3})\s+(?=(?:United Nations|Ibid|See |General Assembly|Economic and Social|Official Records"
    r"|E/|A/|Resolution|Available|http|Report of|Document|Treaty Series|World Health|International)))"
    r"(?P<body>\S.*)$"
)
PAGE_ARTEFACT = re.compile(
    r"^(?:\d{1,3}/\d{1,3}|-\s?\d{1,4}\s?-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}|"
    r"[VG]E?\.?\s?\d{2}-\d{4,6}(?:\s*\([A-Z]\))?(?:\s+\S+){0,4}|\*\d{7,}\*|\d{2}-\d{5}\s*\([A-Z]\))$"
)

PREAMBLE_CUE_WORDS = frozenset(
    [
        "Recalling",
        "Reaffirming",
        "Recognizing",
        "Recognising",
        "Noting",
        "Acknowledging",
        "Bearing",
        "Taking",
        "Aware",
        "Welcoming",
        "Mindful",
        "Concerned",
        "Deeply",
        "Gravely",
        "Seriously",
        "Expressing",
        "Emphasizing",
        "Emphasising",
        "Stressing",
        "Underlining",
        "Underscoring",
        "Convinced",
        "Conscious",
        "Considering",
        "Commending",
        "Appreciating",
        "Affirming",
        "Alarmed",
        "Guided",
        "Having",
        "Determined",
        "Desirous",
        "Reiterating",
        "Believing",
        "Encouraged",
        "Cognizant",
        "Highlighting",
        "Observing",
        "Keeping",
        "Pleased",
        "Deploring",
        "Condemning",
        "Regretting",
        "Realizing",
        "Reasserting",
        "Referring",
        "Endorsing",
        "Wishing",
        "Fully",
        "Strongly",
        "Re-emphasizing",
        "Reemphasizing",
        "Confirming",
        "Accepting",
        "Anxious",
        "Disturbed",
        "Persuaded",
        "Satisfied",
        "Sharing",
        "Seeking",
        "Looking",
        "Urging",
        "Viewing",
        "Valuing",
        "Acting",
        "Approving",
        "Agreeing",
        "Aiming",
        "Declaring",
        "Profoundly",
        "Greatly",
        "Appreciative",
        "Resolved",
        "Committed",
        "Conscious",
        "Recognizing",
        "Reiterating",
        "Further",
        "Also",
        "Encouraging",
        "Supporting",
        "Noting",
        "Emphasizing",
        "Underlining",
        "Acknowledging",
        "Taking",
        "Bearing",
        "Alarmed",
        "Troubled",
        "Worried",
        "Heartened",
        "Inspired",
        "Motivated",
        "Proceeding",
        "Reviewing",
        "Examining",
        "Upholding",
        "Reaffirming",
        "Re-affirming",
        "Renewing",
        "Respecting",
        "Promoting",
        "Invoking",
        "Citing",
        "Calling",
        "Convinced",
        "Certain",
        "Confident",
        "Sensitive",
        "Attaching",
    ]
)
OPERATIVE_ADVERBS = frozenset(
    {
        "also",
        "further",
        "furthermore",
        "again",
        "once",
        "strongly",
        "urgently",
        "kindly",
        "earnestly",
        "firmly",
        "fully",
        "moreover",
        "therefore",
        "hereby",
        "unanimously",
        "respectfully",
        "finally",
    }
)
CUE_TAILS = (
    "with great appreciation",
    "with deep appreciation",
    "with appreciation",
    "with satisfaction",
    "with deep concern",
    "with grave concern",
    "with serious concern",
    "with great concern",
    "with concern",
    "with interest",
    "with alarm",
    "with regret",
    "with gratitude",
    "in mind",
    "into account",
    "into consideration",
    "note with appreciation of",
    "note with satisfaction of",
    "note of",
    "upon",
    "its appreciation",
    "its deep appreciation",
    "its gratitude",
    "its concern",
    "its deep concern",
    "its support",
    "its full support",
    "its commitment",
    "also",
    "further",
    "furthermore",
    "moreover",
    "again",
    "once again",
    "in addition",
)
_CAPITALISED_WORD = re.compile(r"^([A-Z][a-z]+(?:-[a-z]+)?)\b")
_VERB_S = re.compile(r"^[A-Z][a-z]+(?:-[a-z]+)?s$")

ADOPTED_SYMBOL_LINE = re.compile(
    r"^(?:Resolution|RESOLUTION)\s+(?P<symbol>\d{1,4}/\d{1,3}|S-\d{1,2}/\d{1,3}|"
    r"\d{1,4}\s*(?:[A-Z]\s*)?\((?:S-)?[IVXLC]{1,8}\))\s*\.?\s*(?P<title>[A-Z].*)?$"
)
NUMBERED_TITLE_LINE = re.compile(
    r"^(?P<symbol>\d{1,4}/\d{1,3}|S-\d{1,2}/\d{1,3}|\d{1,4}\s*(?:[A-Z]\s*)?\((?:S-)?[IVXLC]{1,8}\))\s*\.\s+"
    r"(?P<title>[A-Z].*)$"
)
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
PLACE_DATES_LINE = re.compile(rf"^[A-Z][A-Za-z .'-]+,\s+\d{{1,2}}.*(?:{MONTH_PATTERN}).*\d{{4}}$")
DOCUMENT_SYMBOL_LINE = re.compile(
    r"^(?P<symbol>(?:A|E|S|ST|UNODC|UNDCP|INCB|TD)(?:/[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*){1,7})$"
)
BODY_NAME_LINE = re.compile(rf"^(?:United Nations|{_BODY_ALTERNATION})$", re.IGNORECASE)


def footnote_label(raw: str) -> str:
    """Return a footnote label in plain form: superscript digits made ASCII."""
    return raw.translate(_FROM_SUPERSCRIPT)


def ends_clause(text: str) -> bool:
    """Return True when text ends as a paragraph may end (comma, semicolon, colon, stop).

    Trailing closing quotes and footnote markers (``,¹``, ``, 1/``) are ignored.
    """
    return bool(_TERMINAL.search(text))


def starts_with_preamble_cue(text: str) -> bool:
    """Return True when text opens with a word that opens preambular paragraphs."""
    match = _CAPITALISED_WORD.match(text)
    return bool(match and match.group(1) in PREAMBLE_CUE_WORDS)


def starts_with_operative_cue(text: str) -> bool:
    """Return True when text opens like an unnumbered operative paragraph ("Decides that")."""
    words = text.split()
    while words and words[0].lower() in OPERATIVE_ADVERBS:
        words = words[1:]
    return bool(words and _VERB_S.match(words[0].rstrip(",;:")))


def is_header_line(text: str) -> bool:
    """Return True for a line that can only belong to a resolution's header."""
    return bool(
        ADOPTED_SYMBOL_LINE.match(text)
        or NUMBERED_TITLE_LINE.match(text)
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
    read with the cue lexicon: adverbs, the opening word, and set phrases after it.
    """
    if emphasis and text.startswith(emphasis):
        return emphasis.rstrip(" ,;:")
    words = text.split()
    taken: list[str] = []
    while words and words[0].lower() in OPERATIVE_ADVERBS and len(taken) < 3:
        taken.append(words.pop(0))
    if not words:
        return " ".join(taken)
    head = words.pop(0).rstrip(",;:")
    taken.append(head)
    if head.lower() in ("deeply", "gravely", "seriously", "profoundly", "greatly", "fully", "strongly") and words:
        taken.append(words.pop(0).rstrip(",;:"))
    rest = " ".join(words)
    for _ in range(2):
        lowered = rest.lower()
        for tail in CUE_TAILS:
            if lowered.startswith(tail) and (len(lowered) == len(tail) or lowered[len(tail)] == " "):
                taken.append(rest[: len(tail)])
                rest = rest[len(tail) :].lstrip()
                break
    return " ".join(taken).rstrip(" ,;:")
