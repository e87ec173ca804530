"""Non-overlapping spans kept in priority order, in O(log n) per candidate.

Finders and the marker stripper try candidates in priority order and keep one
only when it overlaps nothing kept before. Comparing each candidate with every
kept span is quadratic on a text of thousands of mentions; this keeps the kept
spans sorted and looks only at the neighbours of the candidate's place.
"""

from __future__ import annotations

import bisect


class SpanSet:
    """A set of disjoint half-open spans ``[start, end)``."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        """Return True when ``[start, end)`` overlaps a kept span."""
        index = bisect.bisect_right(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return True
        return index < len(self._starts) and self._starts[index] < end

    def add(self, start: int, end: int) -> bool:
        """Keep ``[start, end)`` unless it overlaps a kept span; return whether it was kept."""
        if self.overlaps(start, end):
            return False
        index = bisect.bisect_right(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True
