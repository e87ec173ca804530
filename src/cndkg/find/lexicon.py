"""Names to recognise in text, compiled into regular expressions once per registry."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def name_pattern(name: str) -> str:
    """Return a regex for a name that tolerates differences in spacing, commas and dashes."""
    tokens = _TOKEN.findall(name)
    return r"\b" + r"(?:[\s,]+|\s*[-–]\s*)".join(re.escape(t).replace("'", "['’]") for t in tokens) + r"\b"


@dataclass(frozen=True)
class Lexicon:
    """Compiled name patterns: instruments (treaties, declarations ...) and bodies.

    ``instruments`` matches long names case-insensitively and short or hidden
    labels exactly; ``bodies`` likewise, for addressees of operative paragraphs.
    """

    instruments: re.Pattern[str] | None
    instruments_exact: re.Pattern[str] | None
    bodies: re.Pattern[str] | None
    bodies_exact: re.Pattern[str] | None

    @classmethod
    def from_names(cls, instrument_names: list[tuple[str, bool]], body_names: list[tuple[str, bool]]) -> Lexicon:
        """Build a lexicon.

        Takes (name, exact_case) pairs for instruments and for bodies. Returns the
        lexicon; longer names are tried first so the most specific name wins.
        """
        return cls(
            _compile([n for n, exact in instrument_names if not exact], re.IGNORECASE),
            _compile([n for n, exact in instrument_names if exact], 0),
            _compile([n for n, exact in body_names if not exact], re.IGNORECASE),
            _compile([n for n, exact in body_names if exact], 0),
        )

    @classmethod
    def empty(cls) -> Lexicon:
        """Return a lexicon that recognises no names."""
        return cls(None, None, None, None)


def _compile(names: list[str], flags: int) -> re.Pattern[str] | None:
    """Compile names into one alternation, longest first."""
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    if not unique:
        return None
    return re.compile("|".join(f"(?:{name_pattern(n)})" for n in unique), flags)
