"""OCR for scanned PDFs: OCRmyPDF with Tesseract adds a text layer, which the PDF reader then reads."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cndkg.errors import SourceError

OCR_SECONDS = 600.0
INSTALL_HINT = (
    "install them: apt-get install tesseract-ocr tesseract-ocr-eng ocrmypdf "
    "(or apt-get install tesseract-ocr tesseract-ocr-eng and pip install ocrmypdf)"
)


def ocr_command() -> list[str] | None:
    """Return the command that runs OCRmyPDF, or None when it or Tesseract is missing."""
    if shutil.which("tesseract") is None:
        return None
    if importlib.util.find_spec("ocrmypdf") is not None:
        return [sys.executable, "-m", "ocrmypdf"]
    program = shutil.which("ocrmypdf")
    return [program] if program else None


def ocr_pdf(data: bytes, name: str, language: str = "eng") -> bytes:
    """Return the PDF with a text layer added to its pages that have none (pages with text are kept as they are)."""
    command = ocr_command()
    if command is None:
        raise SourceError(name, f"OCR (ocr=True) needs OCRmyPDF and Tesseract, which are not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="cndkg-ocr-") as work:
        source, target = Path(work) / "in.pdf", Path(work) / "out.pdf"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [
                    *command,
                    "--skip-text",
                    "--output-type",
                    "pdf",
                    "--optimize",
                    "0",
                    "--jobs",
                    "1",
                    "-l",
                    language,
                    "--quiet",
                    str(source),
                    str(target),
                ],
                capture_output=True,
                text=True,
                timeout=OCR_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(
                name, f"OCR took longer than {OCR_SECONDS:g} seconds; cndkg gave up on this file"
            ) from None
        if done.returncode != 0 or not target.exists():
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
            raise SourceError(name, f"OCR failed (OCRmyPDF exit {done.returncode}: {reason})")
        return target.read_bytes()
