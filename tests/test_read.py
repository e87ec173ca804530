"""Stage 1, read: formats, the line map, and every kind of bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from cndkg.errors import SourceError
from cndkg.model import MarkKind
from cndkg.read import read
from cndkg.read.markup import clean_inline

from .conftest import SEED_DRAFT_67


def test_markdown_emphasis_and_sup_markers_become_plain_text_with_marks() -> None:
    text, marks = clean_inline("*Reaffirming also* the Universal Declaration of Human Rights,<sup>4</sup> which")
    assert text == "Reaffirming also the Universal Declaration of Human Rights,⁴ which"
    assert [(m.kind, text[m.start : m.end]) for m in marks] == [(MarkKind.EMPHASIS, "Reaffirming also")]


def test_markdown_links_keep_their_text() -> None:
    text, _ = clean_inline("See *Official Records ..., 2014, Supplement No. 8* ([E/2014/28](#)), chap. I, sect. C.")
    assert text == "See Official Records ..., 2014, Supplement No. 8 (E/2014/28), chap. I, sect. C."


def test_line_map_points_back_to_source_lines_of_the_seed() -> None:
    doc = read(SEED_DRAFT_67)
    offset = doc.text.index("*Recalling also*".strip("*"))
    assert doc.line_at(offset) == 54
    assert doc.text.split("\n")[53].startswith("Recalling also the outcome document")


def test_headings_rules_and_bold_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("### **Title here**\n\n---\n\nbody\n", encoding="utf-8")
    doc = read(path)
    assert doc.text.split("\n")[:3] == ["Title here", "", ""]
    assert any(m.kind is MarkKind.HEADING for m in doc.marks)


def test_html_page_drops_chrome_and_keeps_paragraphs_emphasis_and_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        """<!doctype html><html><head><title>x</title><script>var a = "<p>no</p>";</script>
        <style>p{}</style></head><body><nav><a href="/">Home</a> Resolution 99/9</nav>
        <header>Site header</header><main>
        <p><em>Recalling</em> its resolution 61/11 of 16 March 2018,<sup>1</sup></p>
        <p>1. <em>Encourages</em>
           Member States to act;</p></main>
        <div class="breadcrumb">Home &gt; CND</div><footer>© site</footer></body></html>""",
        encoding="utf-8",
    )
    doc = read(page)
    assert "Home" not in doc.text and "Site header" not in doc.text and "var a" not in doc.text
    assert "Recalling its resolution 61/11 of 16 March 2018,¹" in doc.text
    assert "1. Encourages Member States to act;" in doc.text
    offset = doc.text.index("Member States")
    assert doc.line_at(offset) == 6
    assert any(doc.text[m.start : m.end] == "Recalling" for m in doc.marks)


def test_html_footnote_list_gets_superscript_labels(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text('<p>x</p><ol class="footnotes"><li>United Nations, Treaty Series, vol. 976.</li></ol>', "utf-8")
    assert "¹ United Nations, Treaty Series" in read(page).text


def test_utf8_bom_and_utf16_with_bom_are_decoded(tmp_path: Path) -> None:
    text = "Resolution 57/4\n\nThe Commission on Narcotic Drugs,\n"
    (tmp_path / "a.txt").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert read(tmp_path / "a.txt").text.startswith("Resolution 57/4")
    assert read(tmp_path / "b.txt").text.startswith("Resolution 57/4")


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("empty.txt", b"", "file is empty", 1),
        ("blank.txt", b"  \n\n ", "only white space", 1),
        ("scan.txt", b"%PDF-1.7\n%binary", "this is a PDF file", 1),
        ("image.txt", b"\x89PNG\r\n\x1a\nxxxx", "PNG image", 1),
        ("nul.txt", b"abc\x00def", "NUL bytes", 1),
        ("cp1252.txt", "line one\n“smart quotes”".encode("cp1252"), "byte 0x93 at column 1 is not valid UTF-8", 2),
        ("notes.docx", b"PK\x03\x04", "not a readable Word document", None),
        ("notes.doc", b"\xd0\xcf\x11\xe0", "soffice --headless --convert-to docx", None),
    ],
)
def test_bad_input_names_the_file_and_line(
    tmp_path: Path, name: str, content: bytes, message: str, line: int | None
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        read(path, display=name)
    assert message in caught.value.message
    assert caught.value.path == name
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{name}:{line}:" if line else f"{name}:")


def test_explicit_encoding_reads_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes("*Recalling* “its resolution 61/11”,".encode("cp1252"))
    assert "“its resolution 61/11”" in read(path, encoding="cp1252").text


def test_directory_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(SourceError, match="is a directory"):
        read(folder)
    with pytest.raises(SourceError, match="file not found"):
        read(tmp_path / "gone.txt")


def test_html_paragraph_spanning_source_lines_keeps_each_mention_on_its_line(tmp_path: Path) -> None:
    from cndkg.find import find
    from cndkg.pipeline import lexicon_for
    from cndkg.registry import load_registry
    from cndkg.segment import segment

    page = tmp_path / "h.html"
    page.write_text(
        "<html><body>\n<p>Resolution 60/1</p>\n<p>Title</p>\n<p>The Commission on Narcotic Drugs,</p>\n"
        "<p>Recalling the commitments made\n at the sixty-eighth session and\n"
        " General Assembly resolution 70/1,</p>\n<p>1. Invites a.</p>\n</body></html>\n",
        encoding="utf-8",
    )
    registry = load_registry()
    [record] = segment(read(page, display="h.html"), registry.state_names_with_and)
    lines = {m.text: m.line for m in find(record, lexicon_for(registry))}
    assert lines["sixty-eighth session"] == 6
    assert lines["General Assembly resolution 70/1"] == 7
