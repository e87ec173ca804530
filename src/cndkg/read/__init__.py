"""Stage 1, read: a source file -> :class:`~cndkg.model.SourceDocument`.

Plain text and Markdown share one reader (real ``.txt`` files carry Markdown
emphasis and ``<sup>`` footnotes); HTML pages get their own, which drops site
chrome. Both keep a map from every plain-text character back to a source line.
"""

from __future__ import annotations

from pathlib import Path

from cndkg.errors import SourceError
from cndkg.model import SourceDocument
from cndkg.read.decode import decode_source
from cndkg.read.html import read_html
from cndkg.read.markup import read_markup

TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
HTML_SUFFIXES = {".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}
SUPPORTED_SUFFIXES = tuple(sorted({**TEXT_SUFFIXES, **HTML_SUFFIXES}))
MAX_SOURCE_BYTES = 32 * 1024 * 1024


def read(path: str | Path, *, encoding: str | None = None, display: str | None = None) -> SourceDocument:
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
    media_type = TEXT_SUFFIXES.get(suffix) or HTML_SUFFIXES.get(suffix)
    if media_type is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise SourceError(name, f"unsupported file type {suffix or '(none)'!r}; cndkg reads {supported}")
    data = _read_bytes(source, name)
    text = decode_source(data, name, encoding)
    if not text.strip():
        raise SourceError(name, "file holds only white space: no resolution text to read", 1)
    if media_type == "text/html":
        return read_html(text, name)
    return read_markup(text, name, media_type)


def _read_bytes(source: Path, name: str) -> bytes:
    """Return the file's bytes, or raise a :class:`SourceError` saying why not."""
    if source.is_dir():
        raise SourceError(name, "is a directory, not a source file (give the files in it, or the directory to 'build')")
    try:
        size = source.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(name, f"file is {size:,} bytes; cndkg reads sources up to {MAX_SOURCE_BYTES:,} bytes")
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


__all__ = ["MAX_SOURCE_BYTES", "SUPPORTED_SUFFIXES", "read"]
