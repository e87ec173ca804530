"""Stage 1, read: a source file -> :class:`~cndkg.model.SourceDocument`.

Plain text and Markdown share one reader (real ``.txt`` files carry Markdown
emphasis and ``<sup>`` footnotes); HTML pages get their own, which drops site
chrome; PDFs are read from their text layer's layout (:mod:`cndkg.read.pdf`)
and Word files from their XML (:mod:`cndkg.read.docx`). Each keeps a map from
every plain-text character back to a source line (a PDF's also to its page).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cndkg.errors import SourceError
from cndkg.model import SourceDocument
from cndkg.read.decode import decode_source
from cndkg.read.html import read_html
from cndkg.read.markup import read_markup

TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
HTML_SUFFIXES = {".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}
BINARY_SUFFIXES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
REFUSED_SUFFIXES = {
    ".doc": "an old binary Word document (.doc): convert it first with 'soffice --headless --convert-to docx FILE'",
    ".docm": "a macro-enabled Word document (.docm): cndkg does not open documents with macros; "
    "save it as .docx without macros",
}
SUPPORTED_SUFFIXES = tuple(sorted({**TEXT_SUFFIXES, **HTML_SUFFIXES, **BINARY_SUFFIXES, **REFUSED_SUFFIXES}))
MAX_SOURCE_BYTES = 32 * 1024 * 1024
MAX_BINARY_SOURCE_BYTES = 256 * 1024 * 1024


@dataclass
class ReadOptions:
    """Reading options set once per run by the command line (worker processes inherit them)."""

    ocr: bool = False


OPTIONS = ReadOptions()


def read(
    path: str | Path, *, encoding: str | None = None, display: str | None = None, ocr: bool | None = None
) -> SourceDocument:
    """Read one source file into a :class:`SourceDocument`.

    Takes the path, an optional encoding to use instead of detecting UTF-8/UTF-16
    from the bytes, and the name to report it under (default: the path as given).
    Returns the document; raises :class:`SourceError` naming the file (and line,
    where one is known) for a missing, empty, binary, undecodable, oversized or
    unsupported file.
    """
    source = Path(path)
    name = display if display is not None else str(path)
    suffix = source.suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        raise SourceError(name, f"this is {REFUSED_SUFFIXES[suffix]}")
    if suffix in BINARY_SUFFIXES:
        return _read_binary(source, name, suffix, OPTIONS.ocr if ocr is None else ocr)
    media_type = TEXT_SUFFIXES.get(suffix) or HTML_SUFFIXES.get(suffix)
    if media_type is None:
        supported = ", ".join(s for s in SUPPORTED_SUFFIXES if s not in REFUSED_SUFFIXES)
        raise SourceError(name, f"unsupported file type {suffix or '(none)'!r}; cndkg reads {supported}")
    data = _read_bytes(source, name)
    text = decode_source(data, name, encoding)
    if not text.strip():
        raise SourceError(name, "file holds only white space: no resolution text to read", 1)
    if media_type == "text/html":
        return read_html(text, name)
    return read_markup(text, name, media_type)


def _read_binary(source: Path, name: str, suffix: str, ocr: bool) -> SourceDocument:
    """Read a PDF or Word file in a child process bounded in memory and time (see :mod:`cndkg.read.bounded`)."""
    from cndkg.read.bounded import run_bounded

    data = _read_bytes(source, name, MAX_BINARY_SOURCE_BYTES)
    if suffix == ".docx":
        from cndkg.read.docx import read_docx

        if data.startswith(b"%PDF") or data.startswith(b"\xd0\xcf\x11\xe0"):
            raise SourceError(name, "is not a .docx (a PDF or an old .doc renamed?)")
        return run_bounded(read_docx, data, name)
    from cndkg.read.pdf import read_pdf

    if b"%PDF" not in data[:1024]:
        raise SourceError(name, "not a PDF file (no %PDF header)")
    if ocr:
        from cndkg.read.ocr import ocr_pdf

        data = ocr_pdf(data, name)
    return run_bounded(read_pdf, data, name)


def _read_bytes(source: Path, name: str, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """Return the file's bytes, or raise a :class:`SourceError` saying why not."""
    if source.is_dir():
        raise SourceError(name, "is a directory, not a source file (give the files in it, or the directory to 'build')")
    try:
        size = source.stat().st_size
        if size > limit:
            raise SourceError(name, f"file is {size:,} bytes; cndkg reads sources up to {limit:,} bytes")
        data = source.read_bytes()
    except FileNotFoundError:
        raise SourceError(name, "file not found (was it moved or deleted while cndkg ran?)") from None
    except PermissionError:
        raise SourceError(name, "permission denied") from None
    except OSError as error:
        raise SourceError(name, f"cannot read file: {error.strerror or error}") from None
    if not data:
        raise SourceError(name, "file is empty: no resolution text to read", 1)
    return data


__all__ = ["MAX_BINARY_SOURCE_BYTES", "MAX_SOURCE_BYTES", "OPTIONS", "SUPPORTED_SUFFIXES", "ReadOptions", "read"]
