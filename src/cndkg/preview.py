"""The preview ``serve --watch`` shows first: the edited texts' own pages, before the full rebuild ends.

An editor saving a text looks at that text's page. Its content (paragraphs,
citations, mandates, footnotes, title) is a function of the text alone, so it
can be shown long before the whole site is rebuilt, as the development servers
of static site generators do (Hugo's "fast render" mode re-renders the pages
being viewed first). :func:`preview_pages`:

1. reads the corpus as the build does (:func:`cndkg.build.read_corpus`; in
   watch mode only the changed files are parsed), and hands it on, so the full
   build that follows does not read it again;
2. describes the texts of the changed files alone, with the reference data,
   the entities they name, the facts stated about them and the drafts adopted
   as them (:func:`cndkg.graph.describe_alone`);
3. patches the last good build's site data with them
   (:func:`cndkg.publish.sitedata.with_texts_from`) and renders their pages.

What other texts say of an edited text (who cites it, the labels composed from
the corpus) is the last good build's until the full build replaces the
preview. The pages are served from memory, never written to the output folder:
the published folder is always a whole build's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from cndkg.build import BuildOptions, read_corpus
from cndkg.graph import describe_alone
from cndkg.pipeline import Corpus
from cndkg.publish.site import render_entity_page
from cndkg.publish.sitedata import SiteData, with_texts_from
from cndkg.registry import load_registry


@dataclass(frozen=True)
class Preview:
    """The corpus as read for a preview, and the pages rendered from it: site path -> HTML (UTF-8)."""

    corpus: Corpus
    pages: dict[str, bytes]


def preview_pages(options: BuildOptions, site: SiteData, changed: Collection[Path]) -> Preview:
    """Read the corpus and render the pages of the texts in the ``changed`` files, from the last good ``site``.

    Takes the watch mode's build options, the site data of the last good build
    and the changed paths. No page is rendered when a source failed to read
    (the build reports it) or no changed file holds a text.
    """
    corpus = read_corpus(options)
    if corpus.failures:
        return Preview(corpus, {})
    names = _sources_at(corpus, changed)
    texts = [item for item in corpus.settled.texts if item.resolution.source in names]
    if not texts:
        return Preview(corpus, {})
    iris = {item.iri for item in texts}
    named = iris | {citation.target.split("#", 1)[0] for item in texts for citation in item.citations}
    facts = [fact for fact in corpus.settled.facts if fact.subject.split("#", 1)[0] in named]
    # A draft adopted as one of these texts says so in its own description (``draftOf`` on the adopted text).
    drafts = [item for item in corpus.settled.texts if item.adopted_as in iris and item.iri not in iris]
    store = describe_alone([*texts, *drafts], load_registry(options.base), facts)
    data = with_texts_from(site, store, iris, options.max_pages_per_source)
    pages: dict[str, bytes] = {}
    for item in texts:
        path = data.page_of(item.iri)
        if path is not None:
            pages[path] = render_entity_page(data, item.iri, path).encode("utf-8")
    return Preview(corpus, pages)


def _sources_at(corpus: Corpus, changed: Collection[Path]) -> set[str]:
    """Return the names of the corpus's sources that are the ``changed`` files (or links to them).

    Only sources with a changed file's name, and links, are resolved: resolving every
    path took most of a second at 10,000 texts.
    """
    wanted = {path.resolve() for path in changed}
    file_names = {path.name for path in wanted}
    return {
        source.name
        for source in corpus.sources
        if (source.path.name in file_names or source.path.is_symlink()) and source.path.resolve() in wanted
    }
