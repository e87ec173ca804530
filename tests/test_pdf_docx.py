"""PDF and Word sources: typeset from the sample texts, read back, and compared with the text's graph.

LibreOffice headless typesets each sample text (flat ODF with real footnotes,
italic cues, the symbol as running header, job number, bar code and page number
in the footer; alternating headers for the compilation 001) to PDF and DOCX. The
resolutions, paragraphs with their cues, citations and mandates read from each
must equal those read from the text, apart from provenance (file, line, and the
fragment IRIs, which hash the source's name).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cndkg.bench.typeset import soffice, typeset
from cndkg.errors import SourceError
from cndkg.pipeline import run_pipeline
from cndkg.read import read
from cndkg.read.ocr import ocr_command
from cndkg.read.pdf import keeps_hyphen
from cndkg.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "corpus").glob("*.txt"))
needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="session")
def typeset_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Typeset every sample text to PDF and DOCX once per test session."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path_factory.mktemp("typeset")
    made = {}
    for sample in SAMPLES:
        compilation = sample.name.startswith("001")
        made[sample.stem] = typeset(
            sample.read_text(encoding="utf-8"),
            sample.stem,
            out,
            symbol="E/2021/28" if compilation else "E/CN.7/2024/L.6/Rev.1",
            alternating=compilation,
        )
    return made


def _summary(path: Path) -> list[tuple[str, ...]]:
    corpus = run_pipeline([path], load_registry())
    rows: list[tuple[str, ...]] = []
    for item in corpus.resolved:
        record = item.resolution
        rows.append(("resolution", item.iri, record.kind.value, str(record.header.symbol), str(record.header.title)))
        rows.append(("footnotes", item.iri, str(len(record.footnotes))))
        rows.extend(("paragraph", item.iri, p.eid, p.cue) for p in record.paragraphs)
        rows.extend(("citation", c.citing, c.target, c.relation) for c in item.citations)
        rows.extend(("mandate", m.paragraph, " ".join(m.addressees), m.due_session) for m in item.mandates)
    return [tuple(re.sub(r"/fragment/[0-9a-f]+-", "/fragment/-", v) for v in row) for row in rows]


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["pdf", "docx"])
@pytest.mark.parametrize("sample", [s.stem for s in SAMPLES])
def test_typeset_graph_equals_text_graph(typeset_samples: dict[str, dict[str, Path]], sample: str, suffix: str) -> None:
    expected = _summary(ROOT / "corpus" / f"{sample}.txt")
    assert any(row[0] == "citation" for row in expected)
    assert _summary(typeset_samples[sample][suffix]) == expected


@needs_soffice
@pytest.mark.slow
def test_pdf_reader_drops_furniture_keeps_notes_italics_and_pages(typeset_samples: dict[str, dict[str, Path]]) -> None:
    document = read(typeset_samples["000_2f17f4ab06ea2e9a"]["pdf"])
    text = document.text
    assert "V.24-01234" not in text and "*2401234*" not in text and "E/CN.7/2024/L.6/Rev.1" not in text
    assert "\n¹ United Nations, Treaty Series, vol. 976, No. 14152." in text
    assert "Protocol,¹ the Convention" in text
    assert text.count("\f") == len(document.pages) - 1 >= 2
    assert all(line.startswith("\f") for line in text.split("\n") if "\f" in line)
    emphasised = {text[m.start : m.end] for m in document.marks if m.kind == "emphasis"}
    assert {"Reaffirming", "Reaffirming also", "Recalling further"} <= emphasised
    second_page = text.index("\f")
    page, line = document.page_line(document.line_at(second_page + 1)) or (0, 0)
    assert page == 2 and line >= 1


@needs_soffice
@pytest.mark.slow
def test_compilation_pages_alternate_headers_dropped(typeset_samples: dict[str, dict[str, Path]]) -> None:
    document = read(typeset_samples["001_01c0ed7a37a3fc1d"]["pdf"])
    assert "E/2021/28" not in document.text.replace("(E/2021/28)", "")
    assert len(document.pages) >= 4


@needs_soffice
@pytest.mark.slow
def test_pdf_provenance_is_file_page_line(typeset_samples: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    """Citation nodes carry the page, resolutions of a compilation their page range, diagnostics file:page:line."""
    pdf = typeset_samples["001_01c0ed7a37a3fc1d"]["pdf"]
    corpus = run_pipeline([pdf], load_registry())
    ranges = [item.resolution.page_range for item in corpus.resolved]
    assert all(r is not None for r in ranges)
    firsts = [r[0] for r in ranges if r]
    assert firsts == sorted(firsts) and ranges[-1] and ranges[-1][1] > 1  # in page order, across pages
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "build", str(pdf), "--out", str(out), "--no-site", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    dump = (out / "cndkg.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/cndkg/ontology#sourcePage>" in dump
    assert "<https://w3id.org/cndkg/ontology#firstPage>" in dump and "#lastPage>" in dump
    listed = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "parse", str(pdf)], capture_output=True, text=True, check=False, timeout=600
    )
    located = [line for line in listed.stdout.splitlines() if line.startswith(str(pdf))]
    assert len(located) == 3 and all(re.match(r"^\S+\.pdf:\d+:\d+: ", line) for line in located)
    cited = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "cite", str(pdf)], capture_output=True, text=True, check=False, timeout=600
    )
    rows = [line for line in cited.stdout.splitlines() if line.startswith(str(pdf))]
    assert rows and all(re.match(r"^\S+\.pdf:\d+:\d+\t", line) for line in rows)


def test_hyphen_decided_from_the_documents_words() -> None:
    words = frozenset({"evidence-based", "evidence", "treatment", "based"})
    assert keeps_hyphen("scientific evidence", "based approaches", words)
    assert not keeps_hyphen("the evi", "dence shows", words)
    assert not keeps_hyphen("treat", "ment", words)
    assert keeps_hyphen("non", "Governmental", words)


# --- scans -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def scan(typeset_samples: dict[str, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render the first page of a typeset sample to an image and wrap it as a PDF without a text layer."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    import img2pdf

    out = tmp_path_factory.mktemp("scan")
    pdf = typeset_samples["003_91e135f48c662bd6"]["pdf"]
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1", str(pdf), str(out / "page")], check=True
    )
    image = next(out.glob("page*.png"))
    scanned = out / "scan.pdf"
    scanned.write_bytes(img2pdf.convert(str(image)))
    return scanned


def test_scan_without_text_layer_needs_ocr(scan: Path) -> None:
    with pytest.raises(SourceError, match=r"scan\.pdf: PDF has no text layer .*needs OCR; run again with ocr=True"):
        read(scan, display="scan.pdf", ocr=False)


@pytest.mark.slow
def test_scan_read_with_ocr(scan: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)")
    assert ocr_command() is not None
    document = read(scan, ocr=True)
    flat = " ".join(document.text.split())
    assert "Supporting recovery from substance use disorders" in flat
    assert "The Commission on Narcotic Drugs" in flat


def test_ocr_missing_says_how_to_install(scan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cndkg.read.ocr.ocr_command", lambda: None)
    with pytest.raises(SourceError, match="apt-get install tesseract-ocr"):
        read(scan, ocr=True)


# --- hostile files -------------------------------------------------------------------------------------------


def _tiny_pdf(pages: int) -> bytes:
    """Return a valid PDF of ``pages`` empty pages, written by hand (fast even for 100,000 pages)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects[1] = f"<< /Type /Pages /Count {pages} /Kids [{kids}] >>".encode()
    objects.extend(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>" for _ in range(pages))
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _bomb_pdf() -> bytes:
    """A one-page PDF whose content stream inflates from about 1 MB to 1.5 GB."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    stream = b"".join(compressor.compress(chunk) for _ in range(1536)) + compressor.flush()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
        ]
    )


def _docx_variant(source: Path, target: Path, change: dict[str, bytes], extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change.get(info.filename, old.read(info.filename)))
        for name, data in extra.items():
            new.writestr(name, data)
    return target


@pytest.fixture(scope="session")
def hostile(typeset_samples: dict[str, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    good_pdf = typeset_samples["003_91e135f48c662bd6"]["pdf"]
    good_docx = typeset_samples["003_91e135f48c662bd6"]["docx"]
    shutil.copy(good_pdf, folder / "good.pdf")
    shutil.copy(good_docx, folder / "good.docx")
    data = good_pdf.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(4096))
    (folder / "pages.pdf").write_bytes(_tiny_pdf(100_000))
    (folder / "bomb.pdf").write_bytes(_bomb_pdf())
    import pikepdf

    with pikepdf.open(good_pdf) as pdf:
        pdf.save(folder / "encrypted.pdf", encryption=pikepdf.Encryption(user="secret", owner="secret"))
    zip_bomb = folder / "zipbomb.docx"
    with zipfile.ZipFile(zip_bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as stream:
            for _ in range(300):
                stream.write(b" " * (1 << 20))
    _docx_variant(good_docx, folder / "macros.docm", {}, {"word/vbaProject.bin": b"\x00" * 64})
    _docx_variant(good_docx, folder / "hidden-macros.docx", {}, {"word/vbaProject.bin": b"\x00" * 64})
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/attachedTemplate" Target="http://example.invalid/t.dotm" '
        b'TargetMode="External"/></Relationships>'
    )
    _docx_variant(good_docx, folder / "external.docx", {}, {"word/_rels/settings.xml.rels": rels})
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return folder


HOSTILE = {
    "encrypted.pdf": "encrypted",
    "truncated.pdf": "",
    "corrupt.pdf": "not a readable PDF",
    "pages.pdf": "100,000 pages; cndkg reads PDFs of up to 2,000 pages",
    "bomb.pdf": "",
    "zipbomb.docx": "zip bomb",
    "macros.docm": "macro",
    "hidden-macros.docx": "macros",
    "external.docx": "external attachedTemplate relationship",
    "old.doc": "soffice --headless --convert-to docx",
}


@needs_soffice
@pytest.mark.slow
def test_hostile_sources_fail_alone_with_one_line_each(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    command = [sys.executable, "-m", "cndkg.cli", "build", str(hostile), "--out", str(out), "--no-site", "--no-cache"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 2, result.stderr
    assert not out.exists() or not (out / "cndkg.nt").exists()  # nothing published half
    lines = result.stderr.splitlines()
    for name, words in HOSTILE.items():
        found = [line for line in lines if f"{name}:" in line]
        if name == "truncated.pdf" and not found:
            continue  # PDFium may rebuild a truncated file's cross-reference table and read what is left
        assert found, f"no error line for {name}:\n{result.stderr}"
        assert words in found[0], found[0]
    assert not any("Traceback" in line for line in lines)
    assert not any("good.pdf" in line or "good.docx" in line for line in lines)

    skipped = subprocess.run([*command, "--skip-bad-sources"], capture_output=True, text=True, timeout=600, check=False)
    assert skipped.returncode == 0, skipped.stderr
    assert (out / "cndkg.nt").exists()
