"""HTML page -> plain text: keeps paragraphs, emphasis and footnote markers, drops chrome.

Built on libxml2's HTML parser (through lxml), which accepts any malformed markup
in time linear in the page: the standard library's tokenizer is quadratic on
some hostile pages (``</`` or ``<?`` repeated, stray end tags under deep
nesting). The tree is walked without recursion. libxml2 halts at a nesting depth
of 2,048; a page that deep is read again with the elements past
:data:`_FLAT_DEPTH` levels flattened, so its text is still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from cndkg.model import LineMap, Mark, MarkKind, SourceDocument
from cndkg.read.markup import SUPERSCRIPT_DIGITS

if TYPE_CHECKING:
    from lxml.etree import _Element

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
_FLAT_DEPTH = 512  # elements opened deeper than this are dropped when libxml2 gave up on a page's depth
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]*+)[^<>]*+>")  # possessive: linear when a ">" is missing
_DOCUMENT_END = re.compile(r"</(?:html|body)\b[^<>]*+>", re.IGNORECASE)


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


class _PageParser:
    """Turns the parse tree's events (start tag, text, end tag) into output text with lines and marks."""

    def __init__(self, spans: dict[int, tuple[str, int]]) -> None:
        self.out = _Builder()
        self.line = 1
        self.tag_line = 1
        self.spans = spans
        self.stack: list[str] = []
        self.skip_depth = 0
        self.in_sup = 0
        self.sup_text: list[str] = []
        self.sup_line = 1
        self.open_marks: list[tuple[str, MarkKind, int]] = []
        self.lists: list[_ListState] = []
        self.footnote_section_depth: list[int] = []

    def walk(self, root: _Element) -> None:
        """Send every node of the tree under ``root`` through the handlers, in document order, without recursion."""
        pending: list[tuple[_Element, bool]] = [(root, False)]
        while pending:
            node, closing = pending.pop()
            tag = node.tag
            if closing:
                self.handle_endtag(str(tag))
                self.handle_data(node.tail)
                continue
            if not isinstance(tag, str):  # a comment or processing instruction: its line is where it ends
                self.line = node.sourceline or self.line
                self.handle_data(node.tail)
                continue
            name = tag.lower()
            self.line = self.tag_line = node.sourceline or self.line
            span = self.spans.get(self.line)
            if span is not None and span[0] == name:
                self.tag_line = span[1]
                del self.spans[self.line]
            self.handle_starttag(name, list(node.attrib.items()))
            if name in _VOID_TAGS:
                self.handle_data(node.tail)
                continue
            self.handle_data(node.text)
            pending.append((node, True))
            pending.extend((child, False) for child in reversed(node))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        if tag in _VOID_TAGS:
            if tag in ("br", "hr") and not self.skip_depth:
                self.out.newline() if tag == "br" else self.out.blank_line()
            return
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
            self.sup_line = self.tag_line
        elif tag in ("td", "th"):
            self.out.pending_space = True
        if tag in _EMPHASIS_TAGS:
            self.open_marks.append((tag, _EMPHASIS_TAGS[tag], self.out.length))
        elif tag in _HEADING_TAGS:
            self.open_marks.append((tag, MarkKind.HEADING, self.out.length))

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() in _VOID_TAGS or not self.stack:
            return
        self._close(self.stack.pop())

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

    def handle_data(self, data: str | None) -> None:
        if not data:
            return
        line = self.line
        self.line += data.count("\n")
        if self.skip_depth:
            return
        if self.in_sup:
            self.sup_text.append(data)
            return
        for index, piece in enumerate(data.split("\n")):
            self.out.text(piece if index == 0 else " " + piece, line + index)

    def _list_item_label(self) -> None:
        state = self.lists[-1]
        state.counter += 1
        if state.footnotes:
            self.out.text(str(state.counter).translate(SUPERSCRIPT_DIGITS) + " ", self.tag_line)
        elif state.ordered:
            self.out.text(f"{state.counter}. ", self.tag_line)


def _is_chrome(attrs: list[tuple[str, str]]) -> bool:
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


def _is_footnote_container(attrs: list[tuple[str, str]]) -> bool:
    """Return True for a list or section holding footnotes."""
    for name, value in attrs:
        if value and name in ("class", "id", "role") and any(word in value.lower() for word in _FOOTNOTE_WORDS):
            return True
        if name == "role" and value == "doc-endnotes":
            return True
    return False


def _int_attr(attrs: list[tuple[str, str]], name: str, default: int) -> int:
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
    # libxml2 drops whatever follows </html> or </body>; pages pasted one after another must all be read.
    text = _DOCUMENT_END.sub(_only_newlines, text)
    root = _parse(text)
    if root is None:
        root = _parse(_flatten(text, _FLAT_DEPTH))
    if root is None:
        root = _parse(_flatten(text, 0))
    parser = _PageParser(_multiline_tags(text))
    if root is not None:
        parser.walk(root)
    while parser.stack:
        parser._close(parser.stack.pop())
    out = parser.out
    plain = "".join(out.parts)
    stripped = plain.rstrip("\n")
    line_map = LineMap(tuple(out.offsets) or (0,), tuple(out.lines) or (1,))
    marks = tuple(m for m in out.marks if m.end <= len(stripped))
    return SourceDocument(path=name, media_type="text/html", text=stripped, line_map=line_map, marks=marks)


def _parse(text: str) -> _Element | None:
    """Return the page's root element; None when libxml2 halted on a resource limit (nesting too deep)."""
    parser = etree.HTMLParser(
        encoding="utf-8", recover=True, no_network=True, huge_tree=True, remove_comments=False, remove_pis=False
    )
    data = text.encode("utf-8", "replace")
    if not data.strip():
        return etree.fromstring(b"<html></html>", parser)
    root = etree.fromstring(data, parser)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        return None
    return root if root is not None else etree.fromstring(b"<html></html>", parser)


def _multiline_tags(text: str) -> dict[int, tuple[str, int]]:
    """Return, for each line where a start tag spanning lines ends, the tag's name and the line it starts on.

    libxml2 gives an element the line its start tag ends on; a list label or a
    footnote marker belongs on the line the tag starts on. At most one tag
    begun on an earlier line ends on any line.
    """
    spans: dict[int, tuple[str, int]] = {}
    line, cursor = 1, 0
    for match in _TAG.finditer(text):
        if match.group(1) or "\n" not in match.group():
            continue
        line += text.count("\n", cursor, match.start())
        cursor = match.start()
        spans[line + match.group().count("\n")] = (match.group(2).lower(), line)
    return spans


def _flatten(text: str, depth: int) -> str:
    """Return the page with every tag opened deeper than ``depth`` (and its end tag) removed, newlines kept.

    A linear scan that keeps its own stack of open elements, as tolerant of bad
    markup as a scan without a tree can be; used only for pages libxml2 gave up on.
    """
    parts: list[str] = []
    stack: list[str] = []
    open_count: dict[str, int] = {}
    dropped: dict[str, int] = {}
    cursor = 0
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        keep = True
        if name in _VOID_TAGS:
            keep = depth > 0
        elif not closing:
            if len(stack) < depth:
                stack.append(name)
                open_count[name] = open_count.get(name, 0) + 1
            else:
                dropped[name] = dropped.get(name, 0) + 1
                keep = False
        elif open_count.get(name):
            while stack:
                popped = stack.pop()
                open_count[popped] -= 1
                if popped == name:
                    break
        else:
            keep = False
            if dropped.get(name):
                dropped[name] -= 1
        if not keep:
            parts.append(text[cursor : match.start()])
            parts.append(_only_newlines(match))
            cursor = match.end()
    parts.append(text[cursor:])
    return "".join(parts)


def _only_newlines(match: re.Match[str]) -> str:
    """Return the newlines inside a removed piece of markup, so the lines after it keep their numbers."""
    return "\n" * match.group().count("\n")
