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
    pending: _Pending | None = None
    joining = False
    for record in lines:
        text = record.text.strip()
        if not text or _NOISE.match(text):
            continue
        spaced = _RUN_TOGETHER.sub(" ", text)
        lead = SYMBOL.match(spaced)
        if lead and (pending is None or joining or pending.has_title):
            if pending is not None and not joining and pending.has_title:
                rows.append(pending.row())
                pending = None
            if pending is None:
                pending = _Pending(record.line)
            pending.add(spaced)
            joining = spaced.rstrip().endswith("-") and bool(SYMBOL.search(spaced))
            continue
        if pending is not None:
            pending.add(text)
            joining = False
    if pending is not None and pending.has_title:
        rows.append(pending.row())
    return tuple(rows) if len(rows) >= _MIN_ROWS else ()


class _Pending:
    """A table row being read: its lines, and how many title words they hold so far.

    The words are counted as lines come, so a long run of symbol lines costs linear time.
    """

    def __init__(self, line: int) -> None:
        self.line = line
        self.parts: list[str] = []
        self.words = 0
        self.leading_dashes = 0

    def add(self, part: str) -> None:
        """Add a line of the row."""
        self.parts.append(part)
        for word in SYMBOL.sub(" ", part).split():
            if self.words == self.leading_dashes and not word.strip("-–"):
                self.leading_dashes += 1
            self.words += 1

    @property
    def has_title(self) -> bool:
        """Return True once the row's lines hold at least two words besides its symbols."""
        return self.words - self.leading_dashes >= 2

    def row(self) -> SessionDocument:
        """Build the row: its symbols in order, and its title."""
        symbols: list[str] = []
        for part in self.parts:
            for symbol in SYMBOL.findall(part):
                if symbol not in symbols:
                    symbols.append(symbol)
        words = " ".join(SYMBOL.sub(" ", part) for part in self.parts)
        return SessionDocument(tuple(symbols), re.sub(r"^[\s\-–]+", "", " ".join(words.split())), self.line)
