"""Dates as UN texts write them ("16 March 2018") -> ISO dates."""

from __future__ import annotations

import datetime
import re

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_PATTERN = "|".join(MONTHS)
_MONTH_NUMBER = {name: index for index, name in enumerate(MONTHS, start=1)}
_WRITTEN = re.compile(rf"^(\d{{1,2}})\s+({MONTH_PATTERN})\s+(\d{{4}})$")


def iso_date(day: str, month: str, year: str) -> str | None:
    """Return "16", "March", "2018" as "2018-03-16", or None for an impossible date."""
    try:
        return datetime.date(int(year), _MONTH_NUMBER[month], int(day)).isoformat()
    except (ValueError, KeyError):
        return None


def parse_written_date(text: str) -> str | None:
    """Return "21 March 2024" as "2024-03-21", or None when the text is not such a date."""
    match = _WRITTEN.match(" ".join(text.split()))
    return iso_date(match.group(1), match.group(2), match.group(3)) if match else None
