"""A variant of the same words must give the same graph: the sample texts in other layouts.

Each variant is generated from a seed text as real copies come: text extracted from a PDF (hard wraps,
pages with running headers and footers that alternate sides, job numbers, form feeds), the whole body
flattened onto one table cell, Markdown ``[^n]`` notes, and a web page with site chrome. The citations
(paragraph, target, relation) must equal those of the seed itself, apart from the file's own IRI parts.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from cndkg.find import Lexicon, find
from cndkg.read import read
from cndkg.registry import Registry
from cndkg.resolve import resolve
from cndkg.segment import segment

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEED_57_4 = CORPUS / "003_91e135f48c662bd6.txt"
SEED_COMPILATION = CORPUS / "001_01c0ed7a37a3fc1d.txt"
SEED_DRAFT = CORPUS / "000_2f17f4ab06ea2e9a.txt"


def _pdf_like(text: str) -> str:
    """Wrap at 85 columns; 30 lines a page; running header (alternating sides), symbol, footer, form feeds."""
    lines = [part for line in text.split("\n") for part in (textwrap.wrap(line, 85) or [""])]
    pages = [lines[i : i + 30] for i in range(0, len(lines), 30)]
    out = []
    for number, page in enumerate(pages, start=1):
        head: list[str] = []
        if number > 1:
            running = "Selected resolutions of the Commission on Narcotic Drugs"
            head = [f"{number} {running}" if number % 2 == 0 else f"{running} {number}", "E/2014/28", ""]
        foot = ["", "V.14-01234 (E)" if number == 1 else f"{number}/{len(pages)}", ""]
        out.append("\n".join(head + page + foot))
    return "\f".join(out)


def _flattened(text: str) -> str:
    """Put the header on one table row and the whole body (formula to the end) on one line."""
    head, body = text.split("The Commission on Narcotic Drugs,", 1)
    paragraphs = " ".join(p.strip().replace("\n", " ") for p in body.split("\n\n") if p.strip())
    header = " | ".join(line.strip() for line in head.split("\n") if line.strip())
    return f"{header} |\nThe Commission on Narcotic Drugs, {paragraphs} |\n"


def _markdown_notes(text: str) -> str:
    """Turn ``<sup>n</sup>`` markers and definitions into Markdown ``[^n]`` and ``[^n]:``."""
    text = re.sub(r"^<sup>(\d+)</sup>\s*", r"[^\1]: ", text, flags=re.M)
    return re.sub(r"<sup>(\d+)</sup>", r"[^\1]", text)


def _web_page(text: str) -> str:
    """Wrap the paragraphs in a page with breadcrumbs, menus, a pager and a footer; cues in <em>."""
    head, body = text.split("The Commission on Narcotic Drugs,", 1)
    symbol, title = [line.strip() for line in head.split("\n") if line.strip()][:2]
    paragraphs = [p.strip().replace("\n", " ") for p in body.split("\n\n") if p.strip()]
    cue = re.compile(r"^(\d+\.\s+)?([A-Z][a-z]+(?: also| further)?)")
    items = "\n".join("<p>" + cue.sub(r"\1<em>\2</em>", p) + "</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><title>Resolutions | UNODC</title></head><body>\n"
        '<nav class="breadcrumb"><a href="/">Home</a> &gt; <a href="/cnd">CND</a> &gt; Resolutions</nav>\n'
        f"<main><h2>{symbol} {title}</h2>\n<p><em>The Commission on Narcotic Drugs,</em></p>\n{items}\n</main>\n"
        '<footer><a href="prev.html">Previous: Resolution 57/3</a> <a href="next.html">Next: Resolution 57/5</a>'
        "<p>Copyright United Nations. All rights reserved.</p></footer></body></html>\n"
    )


VARIANTS: list[tuple[str, Path, Callable[[str], str], str]] = [
    ("pdf-57-4", SEED_57_4, _pdf_like, ".txt"),
    ("pdf-compilation", SEED_COMPILATION, _pdf_like, ".txt"),
    ("flat-57-4", SEED_57_4, _flattened, ".txt"),
    ("markdown-notes-draft", SEED_DRAFT, _markdown_notes, ".md"),
    ("web-page-57-4", SEED_57_4, _web_page, ".html"),
]


def _citations(path: Path, lexicon: Lexicon, registry: Registry) -> set[tuple[str, str, str]]:
    found = set()
    for record in segment(read(path)):
        resolved = resolve(record, find(record, lexicon), registry)
        for citation in resolved.citations:
            # fragments are named by a hash of their file: compare the paragraph, not the file's hash
            citing = citation.citing.split("#")
            owner = "fragment" if "/fragment/" in citing[0] else citing[0]
            found.add((f"{owner}#{citing[1]}", citation.target, citation.relation))
    return found


@pytest.mark.parametrize(("name", "seed", "make", "suffix"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_layout_variant_gives_the_same_citations(
    name: str, seed: Path, make: Callable[[str], str], suffix: str, tmp_path: Path, lexicon: Lexicon, registry: Registry
) -> None:
    variant = tmp_path / f"{seed.stem}{suffix}"
    variant.write_text(make(seed.read_text(encoding="utf-8")), encoding="utf-8")
    expected = _citations(seed, lexicon, registry)
    assert expected, "the seed must cite something"
    assert _citations(variant, lexicon, registry) == expected
