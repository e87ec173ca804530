"""The preview ``serve --watch`` serves first: an edited text's page, rendered before the full build ends.

For edits of one text (its words, its title, a citation added, a new file), the
previewed page must be byte for byte the page the full build then writes: the
preview is the build's page, sooner, not an approximation of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cndkg.bench.corpus import one_more, write_corpus
from cndkg.build import BuildOptions, build
from cndkg.model import Severity
from cndkg.preview import preview_pages
from cndkg.publish.sitedata import SiteData

COUNT = 24
_TITLED = re.compile(r"((?:^|<p>)Resolution \d+/\d+(?:</p><p>|\n\n))", re.MULTILINE)


def _options(corpus: Path, tmp_path: Path, published: list[SiteData]) -> BuildOptions:
    return BuildOptions(
        sources=[str(corpus)],
        out=tmp_path / "dist",
        search=False,
        root=corpus,
        cache=tmp_path / "cache",
        decoded={},
        published=published.append,
    )


def _first(corpus: Path, holds: Callable[[str], bool]) -> Path:
    return next(p for p in sorted(corpus.rglob("*")) if p.is_file() and holds(p.read_text(encoding="utf-8")))


def _change_words(corpus: Path) -> tuple[Path, str]:
    path = _first(corpus, lambda text: "Member States" in text)
    text = path.read_text(encoding="utf-8").replace("Member States", "Member States and observers", 1)
    path.write_text(text, encoding="utf-8")
    return path, "Member States and observers"


def _change_title(corpus: Path) -> tuple[Path, str]:
    path = _first(corpus, lambda text: _TITLED.search(text) is not None)
    path.write_text(_TITLED.sub(r"\1Revised: ", path.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    return path, "Revised: "


def _add_citation(corpus: Path) -> tuple[Path, str]:
    path = _first(corpus, lambda text: "The Commission on Narcotic Drugs,\n\n" in text)
    cite = "The Commission on Narcotic Drugs,\n\nRecalling its resolution 57/4 of 21 March 2014,\n\n"
    text = path.read_text(encoding="utf-8").replace("The Commission on Narcotic Drugs,\n\n", cite, 1)
    path.write_text(text, encoding="utf-8")
    return path, "21 March 2014"


def _add_file(corpus: Path) -> tuple[Path, str]:
    item = one_more(COUNT, seed=7)
    path = corpus / "added" / Path(item.path).name
    path.parent.mkdir()
    path.write_text(item.text, encoding="utf-8")
    return path, ""


@pytest.mark.slow
@pytest.mark.parametrize("edit", [_change_words, _change_title, _add_citation, _add_file])
def test_a_previewed_page_is_the_page_the_full_build_writes(
    tmp_path: Path, edit: Callable[[Path], tuple[Path, str]]
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, COUNT, seed=7)
    published: list[SiteData] = []
    options = _options(corpus, tmp_path, published)
    build(options)
    path, words = edit(corpus)
    preview = preview_pages(options, published[-1], [path])
    assert preview.pages, f"no page previewed for {path.name}"
    assert all(words in html.decode("utf-8") for html in preview.pages.values())
    assert not any((tmp_path / "dist" / page).exists() for page in preview.pages if edit is _add_file)
    report = build(options, preview.corpus)
    assert report.cache_hits == COUNT - (0 if edit is _add_file else 1), "the build took the preview's corpus"
    for page, html in preview.pages.items():
        assert (tmp_path / "dist" / page / "index.html").read_bytes() == html, page


def test_nothing_is_previewed_for_a_file_that_cannot_be_read_or_holds_no_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 4, seed=7)
    published: list[SiteData] = []
    options = _options(corpus, tmp_path, published)
    build(options)
    notes = corpus / "notes.txt"
    notes.write_text("Minutes of an informal meeting; no resolution here.\n", encoding="utf-8")
    assert preview_pages(options, published[-1], [notes]).pages == {}
    broken = corpus / "broken.txt"
    broken.write_bytes(b"Resolution 68/1\n\n\xfe\n")
    preview = preview_pages(options, published[-1], [broken])
    assert preview.pages == {} and preview.corpus.failures
    assert "broken.txt" in str(preview.corpus.failures[0])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_every_text_of_an_edited_real_source_is_previewed_as_the_build_writes_it(tmp_path: Path, seed: int) -> None:
    """The bundled real texts: a draft, a compilation of several resolutions, a web page, an adopted text."""
    import shutil

    from .conftest import CORPUS, SEED_COMPILATION_64, SEEDS

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    published: list[SiteData] = []
    options = _options(corpus, tmp_path, published)
    build(options)
    path = corpus / SEEDS[seed].name
    path.write_text(path.read_text(encoding="utf-8").replace("Member States", "States Members", 1), encoding="utf-8")
    preview = preview_pages(options, published[-1], [path])
    assert any(b"States Members" in html for html in preview.pages.values())
    if SEEDS[seed] == SEED_COMPILATION_64:
        assert len(preview.pages) > 1, "a compilation holds several texts: each gets its page"
    build(options, preview.corpus)
    for page, html in preview.pages.items():
        assert (tmp_path / "dist" / page / "index.html").read_bytes() == html, page


@pytest.mark.slow
def test_an_edit_of_any_real_text_is_previewed_as_the_build_writes_it(tmp_path: Path) -> None:
    """Every text of the regression corpora of real texts (ECOSOC, GA and CND, 1951-2017), one edit each."""
    import shutil

    from cndkg.resolve import ResolveMemo

    from .conftest import ROOT

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for folder in sorted((ROOT / "tests" / "corpus").glob("realworld*/texts")):
        for source in sorted(folder.glob("*.txt")):
            if not source.name.endswith(".source.txt"):
                shutil.copy(source, corpus / source.name)
    published: list[SiteData] = []
    options = _options(corpus, tmp_path, published)
    options.resolved = ResolveMemo()
    options.skip_bad_sources = True
    for bad in {problem.source for problem in build(options).diagnostics if problem.severity is Severity.ERROR}:
        (corpus / Path(bad).name).unlink()  # two files claiming one symbol: neither is published
    options.skip_bad_sources = False
    build(options)
    previewed = 0
    for path in sorted(corpus.iterdir()):
        text = path.read_text(encoding="utf-8")
        at = text.rfind(" the ")
        path.write_text(text[:at] + " a " + text[at + 5 :], encoding="utf-8")
        preview = preview_pages(options, published[-1], [path])
        assert preview.pages, f"{path.name}: nothing previewed"
        build(options, preview.corpus)
        for page, html in preview.pages.items():
            assert (tmp_path / "dist" / page / "index.html").read_bytes() == html, f"{path.name}: {page}"
        previewed += len(preview.pages)
        path.write_text(text, encoding="utf-8")
    assert previewed > 20
