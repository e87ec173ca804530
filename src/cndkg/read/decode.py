"""Bytes -> text, refusing binary files and never guessing an 8-bit encoding."""

from __future__ import annotations

import codecs

from cndkg.errors import SourceError

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (a .docx or .xlsx?)",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "an executable",
    b"\x1f\x8b": "a gzip archive",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_source(data: bytes, name: str, encoding: str | None = None) -> str:
    r"""Decode a source file's bytes to text.

    Takes the bytes, the file's display name and an optional explicit encoding.
    A byte-order mark selects UTF-8/16/32; otherwise the text must be UTF-8.
    Returns the text with ``\\r\\n``/``\\r`` line ends made ``\\n``; raises
    :class:`SourceError` for binary data or bytes that do not decode, naming the
    line and column of the first bad byte.
    """
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise SourceError(name, f"this is {what}, not text; extract its text first (e.g. pdftotext)", 1)
    chosen = encoding
    body = data
    if chosen is None:
        for bom, bom_encoding in _BOMS:
            if data.startswith(bom):
                chosen, body = bom_encoding, data[len(bom) :]
                break
    if chosen is None and b"\x00" in data[:8192]:
        raise SourceError(name, "file holds NUL bytes: it is binary, or UTF-16 without a byte-order mark", 1)
    try:
        text = body.decode(chosen or "utf-8")
    except LookupError:
        raise SourceError(name, f"unknown encoding {chosen!r}") from None
    except UnicodeDecodeError as error:
        line, column = _position(body[: error.start].decode(chosen or "utf-8", "replace"))
        hint = " or decode with encoding='cp1252'" if chosen is None else ""
        bad = body[error.start : max(error.end, error.start + 1)]
        shown = " ".join(f"0x{byte:02x}" for byte in bad[:8])
        what = f"byte {shown} at column {column} is" if len(bad) == 1 else f"bytes {shown} at column {column} are"
        why = " (a lone surrogate)" if "surrogate" in error.reason else ""
        raise SourceError(
            name,
            f"{what} not valid {(chosen or 'UTF-8').upper()}{why}; re-save the file as UTF-8{hint}",
            line,
        ) from None
    if "\x00" in text:
        raise SourceError(name, "file holds NUL characters: it is not a text file", 1)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _position(before: str) -> tuple[int, int]:
    """Return the 1-based line and column (in characters) just after the decoded text ``before``."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
