"""Stage 3, find: a resolution -> every span of text that refers to something.

Finding never looks anything up (as in eyecite): it reads the form of the text
and records what the form says (body, number, date, volume ...) in the mention's
typed form. Which entity a mention denotes is the resolver's business. The only
outside input is a :class:`Lexicon` of names to recognise, compiled once from
the reference data's labels, as eyecite compiles its reporter database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cndkg.find.lexicon import Lexicon
from cndkg.find.patterns import find_in_text
from cndkg.model import Mention, MentionKind, Paragraph, ParagraphKind, Resolution, TextLocation

__all__ = ["Lexicon", "find", "find_in_text"]


def find(resolution: Resolution, lexicon: Lexicon) -> list[Mention]:
    """Find every mention in a resolution's paragraphs, sub-paragraphs and footnotes.

    Takes the resolution and the name lexicon. Returns mentions in document
    order; slicing the container's text at ``[start:end]`` gives ``text`` back.
    A footnote's mentions are cited by every paragraph whose marker points to it.
    """
    mentions: list[Mention] = []
    citing_by_label: dict[str, list[str]] = {}
    for paragraph in resolution.paragraphs:
        for eid, text, line_at, refs in _texts_of(paragraph):
            for ref in refs:
                citing_by_label.setdefault(ref, []).append(eid)
            operative = paragraph.kind is ParagraphKind.OPERATIVE
            for found in find_in_text(text, lexicon, operative=operative):
                mentions.append(
                    Mention(
                        found.kind,
                        found.text,
                        found.start,
                        found.end,
                        TextLocation("paragraph", eid),
                        line_at(found.start),
                        (eid,),
                        found.form,
                    )
                )
    for footnote in resolution.footnotes:
        citing = tuple(dict.fromkeys(citing_by_label.get(footnote.label, [])))
        for found in find_in_text(footnote.text, lexicon, operative=False, antecedent=footnote.antecedent):
            if found.kind is MentionKind.ADDRESSEE:
                continue
            mentions.append(
                Mention(
                    found.kind,
                    found.text,
                    found.start,
                    found.end,
                    TextLocation("footnote", footnote.ident),
                    footnote.line_at(found.start),
                    citing,
                    found.form,
                )
            )
    return mentions


def _texts_of(paragraph: Paragraph) -> Iterator[tuple[str, str, Callable[[int], int], list[str]]]:
    """Yield (eId, text, line lookup, footnote labels) for a paragraph and its sub-paragraphs."""
    for eid, part in paragraph.texts():
        yield eid, part.text, part.line_at, [r.label for r in part.footnote_refs]
