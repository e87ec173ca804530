"""Emphasis and strong marks from per-character styles, shared by the PDF and Word readers."""

from __future__ import annotations

from cndkg.model import Mark, MarkKind


def style_marks(text: str, styles: list[tuple[bool, bool]], start: int) -> list[Mark]:
    """Return emphasis and strong marks of one line from its per-character styles (spaces inside a run join it)."""
    marks: list[Mark] = []
    for kind, position in ((MarkKind.EMPHASIS, 0), (MarkKind.STRONG, 1)):
        run: int | None = None
        for index in range(len(text) + 1):
            on = index < len(text) and styles[index][position] if index < len(styles) else False
            on = on and (not text[index].isspace() or run is not None) if index < len(text) else False
            if on and run is None:
                run = index
            elif not on and run is not None:
                end = index
                while end > run and text[end - 1].isspace():
                    end -= 1
                if end > run:
                    marks.append(Mark(kind, start + run, start + end))
                run = None
    return marks
