"""Plain text and Markdown -> plain text with emphasis marks and one footnote-marker form.

Real resolution texts saved as ``.txt`` carry Markdown (``*Recalling*``,
``### **Title**``, ``[E/2014/28](#)``) and HTML ``<sup>7</sup>`` footnote
markers, so both suffixes go through this one pass. Each output line comes from
the source line with the same number, which makes the line map exact.
"""

from __future__ import annotations

import html
import re

from cndkg.model import LineMap, Mark, MarkKind, SourceDocument

SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_MAX_NESTING = 4
_SPECIAL = re.compile(r"[*<\[&\\_!]")  # a line without these has no markup
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
# Every repetition is bounded (a marked-up span is a cue or a title, not a page): a line of
# unclosed "[a](" or "<i>x " must cost linear time, not a scan to the line's end from each one.
_INLINE = re.compile(
    r"""
    (?P<sup><sup>\s*(?P<sup_text>[^<>]{0,16}?)\s*</sup>)
  | (?P<slash_marker>(?<![*\\])\*{1,3}/)
  | (?P<md_note>\[\^(?P<md_label>[^\]\s]{1,16})\](?P<md_definition>:)?)
  | <(?P<em_tag>em|i|cite)>(?P<em_html>.{0,500}?)</(?P=em_tag)>
  | <(?P<strong_tag>strong|b)>(?P<strong_html>.{0,500}?)</(?P=strong_tag)>
  | \*\*(?P<strong_md>(?!\s).{1,500}?(?<!\s))\*\*
  | __(?P<strong_us>(?!\s).{1,500}?(?<!\s))__
  | (?<![\w*\\])\*(?P<em_md>(?![\s*])[^*]{0,500}?[^\s\\*]|[^\s*])\*(?![\w*])
  | (?<![\w\\])_(?P<em_us>(?![\s_])[^_]{0,500}?[^\s\\_]|[^\s_])_(?!\w)
  | !\[(?P<image_alt>[^\]]{0,500})\]\([^)]{0,300}\)
  | \[(?P<link_text>[^\]]{1,500})\]\((?P<link_url>[^)\s]{0,300})(?:\s+"[^"]{0,500}")?\)
  | (?P<tag></?(?:span|a|u|small|sub|font|br|p|div|sup|em|i|strong|b)\b[^<>]{0,500}>)
  | \\(?P<escaped>[\\`*_{}\[\]()#+\-.!<>])
  | (?P<entity>&(?:\#\d{1,7}|\#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def read_markup(text: str, name: str, media_type: str) -> SourceDocument:
    """Turn decoded plain text or Markdown into a :class:`SourceDocument`.

    Takes the decoded text, the display name and the media type. Returns the
    document whose line ``n`` is source line ``n`` with markup removed,
    ``<sup>N</sup>`` made superscript digits and horizontal rules made empty.
    """
    out_lines: list[str] = []
    marks: list[Mark] = []
    offsets: list[int] = []
    position = 0
    for line in text.split("\n"):
        offsets.append(position)
        clean, line_marks = _clean_line(line)
        marks.extend(Mark(m.kind, m.start + position, m.end + position) for m in line_marks)
        out_lines.append(clean)
        position += len(clean) + 1
    plain = "\n".join(out_lines)
    line_map = LineMap(tuple(offsets), tuple(range(1, len(offsets) + 1)))
    return SourceDocument(path=name, media_type=media_type, text=plain, line_map=line_map, marks=tuple(marks))


def _clean_line(line: str) -> tuple[str, list[Mark]]:
    """Return one source line without markup, and the marks found in it."""
    line = line.replace("\t", " ").replace("\u00a0", " ")
    if _RULE.match(line):
        return "", []
    heading = _HEADING.match(line)
    if heading:
        inner, marks = clean_inline(heading.group(2))
        return inner, [Mark(MarkKind.HEADING, 0, len(inner)), *marks]
    return clean_inline(line.rstrip(" \t\r"))  # a form feed (a page break) stays


def clean_inline(text: str, depth: int = 0) -> tuple[str, list[Mark]]:
    """Remove inline Markdown/HTML markup from ``text``.

    Takes a piece of one line. Returns the clean text and its emphasis marks,
    offsets relative to the returned text.
    """
    if depth > _MAX_NESTING or not _SPECIAL.search(text):
        return text, []
    parts: list[str] = []
    marks: list[Mark] = []
    length = 0
    cursor = 0
    for match in _INLINE.finditer(text):
        parts.append(text[cursor : match.start()])
        length += match.start() - cursor
        cursor = match.end()
        replacement, kind, inner_marks = _replace(match, depth)
        if kind is not None and replacement:
            marks.append(Mark(kind, length, length + len(replacement)))
        marks.extend(Mark(m.kind, m.start + length, m.end + length) for m in inner_marks)
        parts.append(replacement)
        length += len(replacement)
    parts.append(text[cursor:])
    return "".join(parts), marks


def _replace(match: re.Match[str], depth: int) -> tuple[str, MarkKind | None, list[Mark]]:
    """Return the replacement text for one inline markup match and its mark kind."""
    groups = match.groupdict()
    if groups["slash_marker"] is not None:
        return groups["slash_marker"], None, []  # a typewriter footnote marker ("**/"), never emphasis
    if groups["md_note"] is not None:
        return _markdown_note(groups["md_label"], bool(groups["md_definition"])), None, []
    if groups["sup"] is not None:
        label = groups["sup_text"] or ""
        if label.isdigit():
            return label.translate(SUPERSCRIPT_DIGITS), None, []
        return (" " + label if label else ""), None, []
    for name, kind in (
        ("em_html", MarkKind.EMPHASIS),
        ("em_md", MarkKind.EMPHASIS),
        ("em_us", MarkKind.EMPHASIS),
        ("strong_html", MarkKind.STRONG),
        ("strong_md", MarkKind.STRONG),
        ("strong_us", MarkKind.STRONG),
    ):
        if groups[name] is not None:
            inner, marks = clean_inline(groups[name], depth + 1)
            return inner, kind, marks
    if groups["image_alt"] is not None:
        return groups["image_alt"], None, []
    if groups["link_text"] is not None:
        inner, marks = clean_inline(groups["link_text"], depth + 1)
        return inner, None, marks
    if groups["tag"] is not None:
        return (" " if groups["tag"].lower().startswith("<br") else ""), None, []
    if groups["escaped"] is not None:
        return groups["escaped"], None, []
    return _unescape_entity(groups["entity"]), None, []


def _markdown_note(label: str, definition: bool) -> str:
    """Return a Markdown footnote reference ``[^3]`` (or definition ``[^3]:``) in the one marker form.

    Numeric labels become superscript digits, as ``<sup>3</sup>`` does; other labels
    keep the typewriter form ``label/`` so the segmenter still pairs marker and note.
    """
    marker = label.translate(SUPERSCRIPT_DIGITS) if label.isdigit() else f"{label}/"
    return marker + (" " if definition and not label.isdigit() else "")


def _unescape_entity(entity: str) -> str:
    """Return the character an HTML entity stands for (a space for ``&nbsp;``)."""
    value = html.unescape(entity)
    if value == "\u00a0":
        return " "
    if "\x00" in value or (value == entity and entity.lower().startswith("&#")):
        return "\ufffd"
    return value
