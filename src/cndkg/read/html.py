"""HTML page -> plain text: keeps paragraphs, emphasis and footnote markers, drops chrome.

Built on the standard library's tokenizer, which never recurses and accepts any
malformed markup, so hostile or deeply nested pages cannot crash the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from cndkg.model import LineMap, Mark, MarkKind, SourceDocument
from cndkg.read.markup import SUPERSCRIPT_DIGITS

_SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "aside",
        "noscript",
        "form",
        "button",
        "select",
        "template",
        "svg",
        "iframe",
        "object",
        "canvas",
        "head",
        "title",
        "menu",
        "dialog",
        "textarea",
    }
)
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source", "track"}
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "blockquote",
        "dd",
        "dt",
        "table",
        "ul",
        "ol",
        "main",
        "pre",
        "figure",
        "figcaption",
        "caption",
        "address",
        "hr",
        "br",
        "td",
        "th",
    }
)
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"})
_CHROME_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "footer",
        "cookie",
        "cookies",
        "skip-link",
        "share",
        "social",
        "site-header",
        "site-footer",
        "masthead",
    }
)
_FOOTNOTE_WORDS = ("footnote", "endnote", "fn-list", "notes")
_EMPHASIS_TAGS = {
    "em": MarkKind.EMPHASIS,
    "i": MarkKind.EMPHASIS,
    "cite": MarkKind.EMPHASIS,
    "strong": MarkKind.STRONG,
    "b": MarkKind.STRONG,
}
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SPACE = re.compile(r"\s+")
_MAX_DEPTH_TRACKED = 10_000


@dataclass
class _ListState:
    ordered: bool
    footnotes: bool
    counter: int = 0


@dataclass
class _Builder:
    """Accumulates output text with its line map and marks."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    offsets: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    at_line_start: bool = True
    pending_space: bool = False

    def newline(self) -> None:
        if not self.at_line_start:
            self._append("\n")
            self.at_line_start = True
        self.pending_space = False

    def blank_line(self) -> None:
        self.newline()
        if self.parts and not self.parts[-1].endswith("\n\n") and self.length > 0:
            self._append("\n")

    def text(self, value: str, line: int) -> None:
        collapsed = _SPACE.sub(" ", value)
        if not collapsed:
            return
        if collapsed.startswith(" "):
            self.pending_space = True
            collapsed = collapsed[1:]
        if not collapsed:
            return
        if self.pending_space and not self.at_line_start:
            self._append(" ")
        self.pending_space = collapsed.endswith(" ")
        collapsed = collapsed.rstrip(" ")
        self._note_line(line)
        self._append(collapsed)
        self.at_line_start = False

    def _note_line(self, line: int) -> None:
        if not self.lines or self.lines[-1] != line:
            self.offsets.append(self.length)
            self.lines.append(line)

    def _append(self, value: str) -> None:
        self.parts.append(value)
        self.length += len(value)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Builder()
        self.stack: list[str] = []
        self.skip_depth = 0
        self.in_sup = 0
        self.sup_text: list[str] = []
        self.sup_line = 1
        self.open_marks: list[tuple[str, MarkKind, int]] = []
        self.lists: list[_ListState] = []
        self.footnote_section_depth: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if tag in ("br", "hr") and not self.skip_depth:
                self.out.newline() if tag == "br" else self.out.blank_line()
            return
        if len(self.stack) < _MAX_DEPTH_TRACKED:
            self.stack.append(tag)
        if self.skip_depth or tag in _SKIPPED_TAGS or _is_chrome(attrs):
            self.skip_depth += 1
            return
        if _is_footnote_container(attrs):
            self.footnote_section_depth.append(len(self.stack))
        if tag in _BLOCK_TAGS:
            self.out.blank_line() if tag in ("p", "li", "tr", "dd") or tag in _HEADING_TAGS else self.out.newline()
        if tag in ("ol", "ul"):
            start = _int_attr(attrs, "start", 1) - 1
            self.lists.append(_ListState(tag == "ol", bool(self.footnote_section_depth), start))
        elif tag == "li" and self.lists:
            self._list_item_label()
        elif tag == "sup":
            self.in_sup += 1
            self.sup_text = []
            self.sup_line = self.getpos()[0]
        elif tag in ("td", "th"):
            self.out.pending_space = True
        if tag in _EMPHASIS_TAGS:
            self.open_marks.append((tag, _EMPHASIS_TAGS[tag], self.out.length))
        elif tag in _HEADING_TAGS:
            self.open_marks.append((tag, MarkKind.HEADING, self.out.length))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        if tag in self.stack:
            while self.stack:
                popped = self.stack.pop()
                self._close(popped)
                if popped == tag:
                    break

    def _close(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if self.footnote_section_depth and self.footnote_section_depth[-1] > len(self.stack):
            self.footnote_section_depth.pop()
        if tag == "sup" and self.in_sup:
            self.in_sup -= 1
            label = "".join(self.sup_text).strip().strip("[]()")
            if label.isdigit():
                self.out.text(label.translate(SUPERSCRIPT_DIGITS), self.sup_line)
            elif label:
                self.out.text(" " + label, self.sup_line)
            return
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        for index in range(len(self.open_marks) - 1, -1, -1):
            open_tag, kind, start = self.open_marks[index]
            if open_tag == tag:
                del self.open_marks[index]
                if self.out.length > start:
                    self.out.marks.append(Mark(kind, start, self.out.length))
                break
        if tag in _BLOCK_TAGS:
            self.out.blank_line() if tag in ("p", "li", "tr", "dd") or tag in _HEADING_TAGS else self.out.newline()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.in_sup:
            self.sup_text.append(data)
            return
        line = self.getpos()[0]
        for index, piece in enumerate(data.split("\n")):
            self.out.text(piece if index == 0 else " " + piece, line + index)

    def _list_item_label(self) -> None:
        state = self.lists[-1]
        state.counter += 1
        line = self.getpos()[0]
        if state.footnotes:
            self.out.text(str(state.counter).translate(SUPERSCRIPT_DIGITS) + " ", line)
        elif state.ordered:
            self.out.text(f"{state.counter}. ", line)


def _is_chrome(attrs: list[tuple[str, str | None]]) -> bool:
    """Return True for elements that are site chrome by role, class or id."""
    for name, value in attrs:
        if not value:
            continue
        if name == "role" and value.lower() in _CHROME_ROLES:
            return True
        if name == "aria-hidden" and value.lower() == "true":
            return True
        if name in ("class", "id"):
            words = set(re.split(r"[\s_]+", value.lower()))
            if words & _CHROME_WORDS:
                return True
    return False


def _is_footnote_container(attrs: list[tuple[str, str | None]]) -> bool:
    """Return True for a list or section holding footnotes."""
    for name, value in attrs:
        if value and name in ("class", "id", "role") and any(word in value.lower() for word in _FOOTNOTE_WORDS):
            return True
        if name == "role" and value == "doc-endnotes":
            return True
    return False


def _int_attr(attrs: list[tuple[str, str | None]], name: str, default: int) -> int:
    """Return an integer attribute, or ``default`` when absent or malformed."""
    for key, value in attrs:
        if key == name and value and value.strip().isdigit():
            return min(int(value.strip()), 100_000)
    return default


def read_html(text: str, name: str) -> SourceDocument:
    """Turn a decoded HTML page into a :class:`SourceDocument`.

    Takes the page text and display name. Returns the document: block elements
    become lines separated by blank lines, chrome (navigation, scripts, styles,
    headers, footers, elements whose role/class says menu or breadcrumb) is
    dropped, ``<sup>`` markers become superscript digits, emphasis becomes marks.
    """
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    while parser.stack:
        parser._close(parser.stack.pop())
    out = parser.out
    plain = "".join(out.parts)
    stripped = plain.rstrip("\n")
    line_map = LineMap(tuple(out.offsets) or (0,), tuple(out.lines) or (1,))
    marks = tuple(m for m in out.marks if m.end <= len(stripped))
    return SourceDocument(path=name, media_type="text/html", text=stripped, line_map=line_map, marks=marks)
