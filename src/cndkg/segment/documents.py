"""A table of session documents (symbol + title rows, as on UNODC pages) -> records.

Scraped tables lose their cells: a row is a line starting with one or more
document symbols (joint symbols joined by "-", or run together as in
"E/2014/28E/CN.7/2014/16"), then the title on the same or a following line,
then noise such as "pdf" links and language letters, which are skipped.
"""

from __future__ import annotations

import re

from cndkg import grammar as G
from cndkg.model import SessionDocument
from cndkg.segment.units import RawLine

SYMBOL = re.compile(G.DOCUMENT_SYMBOL)
_RUN_TOGETHER = re.compile(r"(?<=\d)(?=(?:A|E|S)/)")
_NOISE = re.compile(r"^(?:pdf|[ACEFRS]|Document Symbol|Title or description|Comments|PDF\b.*|[ACEFRS]=.*)$", re.I)
_MIN_ROWS = 2


def parse_document_table(lines: list[RawLine]) -> tuple[SessionDocument, ...]:
    """Read document rows from the lines after a resolution.

    Takes the raw lines of the trailer. Returns one record per row found, or an
    empty tuple when fewer than two rows are found (then it is not a table).
    """
    rows: list[SessionDocument] = []
    pending: list[str] = []
    pending_line = 0
    joining = False
    for record in lines:
        text = record.text.strip()
        if not text or _NOISE.match(text):
            continue
        spaced = _RUN_TOGETHER.sub(" ", text)
        symbols = SYMBOL.findall(spaced)
        lead = SYMBOL.match(spaced)
        if lead and (not pending or joining or _title_of(pending) is not None):
            if pending and not joining and _title_of(pending) is not None:
                rows.append(_row(pending, pending_line))
                pending = []
            if not pending:
                pending_line = record.line
            pending.append(spaced)
            joining = spaced.rstrip().endswith("-") and len(symbols) >= 1
            continue
        if pending:
            pending.append(text)
            joining = False
    if pending and _title_of(pending) is not None:
        rows.append(_row(pending, pending_line))
    return tuple(rows) if len(rows) >= _MIN_ROWS else ()


def _title_of(pending: list[str]) -> str | None:
    """Return the title text of a pending row, or None while it has none yet."""
    words = " ".join(SYMBOL.sub(" ", part) for part in pending)
    words = re.sub(r"^[\s\-–]+", "", " ".join(words.split()))
    return words if len(words.split()) >= 2 else None


def _row(pending: list[str], line: int) -> SessionDocument:
    """Build one row from the symbol line and the lines that follow it."""
    symbols: list[str] = []
    for part in pending:
        for symbol in SYMBOL.findall(part):
            if symbol not in symbols:
                symbols.append(symbol)
    return SessionDocument(tuple(symbols), _title_of(pending) or "", line)
