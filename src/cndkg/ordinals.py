"""English ordinal words -> numbers ("sixty-seventh" -> 67), as UN texts write sessions."""

from __future__ import annotations

import re

_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
_TENS_ORDINAL = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMERIC = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$")

ORDINAL_PATTERN = (
    r"(?:(?:one\s+hundred(?:\s+and)?\s+)?"
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[-‐‑‒–—\s](?:first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth)|twentieth|thirtieth|fortieth|fiftieth|sixtieth|seventieth|eightieth|"
    r"ninetieth|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth)|one\s+hundredth|"
    r"\d{1,3}(?:st|nd|rd|th))"
)


def ordinal_value(words: str) -> int | None:
    """Return the number an ordinal expression stands for, or None.

    Takes "Sixty-seventh", "sixty seventh", "fifty-seventh", "one hundred and first"
    or "57th". Returns 67, 67, 57, 101, 57; None when the words are not an ordinal.
    """
    text = re.sub(r"\s+", " ", words.strip().lower())
    text = re.sub(r"[‐‑‒–—]", "-", text)
    numeric = _NUMERIC.match(text)
    if numeric:
        return int(numeric.group(1))
    hundreds = 0
    match = re.match(r"one hundred(?: and)? (.+)$", text)
    if match:
        hundreds, text = 100, match.group(1)
    elif text == "one hundredth":
        return 100
    if text in _UNITS:
        return hundreds + _UNITS[text]
    if text in _TENS_ORDINAL:
        return hundreds + _TENS_ORDINAL[text]
    parts = re.split(r"[-\s]", text)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS and _UNITS[parts[1]] < 10:
        return hundreds + _TENS[parts[0]] + _UNITS[parts[1]]
    return None
