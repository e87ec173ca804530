"""What the ontology says that code needs: the cue lemma of each citation relation.

The ontology (``ontology/cndkg.ttl``) is the single source of truth for which
cue opens which relation (``cndkg:recalls cndkg:cueLemma "recall"``); this
module reads it and turns a paragraph's cue into a relation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import Graph

from cndkg.namespaces import CNDKG
from cndkg.resources import data_dir

_ADVERBS = frozenset(
    {
        "also",
        "further",
        "furthermore",
        "moreover",
        "again",
        "once",
        "deeply",
        "gravely",
        "seriously",
        "strongly",
        "fully",
        "firmly",
        "profoundly",
        "greatly",
        "being",
        "hereby",
        "however",
        "therefore",
        "finally",
        "in",
        "addition",
    }
)


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """Return the cndkg ontology as an rdflib graph (parsed once)."""
    graph = Graph()
    graph.parse(data_dir("ontology") / "cndkg.ttl", format="turtle")
    return graph


@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Return (word forms, relation IRI) pairs, longest forms first."""
    pairs: list[tuple[tuple[str, ...], str]] = []
    for relation, lemma in ontology_graph().subject_objects(CNDKG.cueLemma):
        words = str(lemma).split()
        for first in _inflections(words[0]):
            pairs.append(((first, *words[1:]), str(relation)))
    pairs.sort(key=lambda p: (-len(p[0]), p[0]))
    return tuple(pairs)


def _inflections(verb: str) -> set[str]:
    """Return the forms a cue verb takes: base, -s, -ing (recall, recalls, recalling)."""
    stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
    return {verb, verb + "s", stem + "ing", verb + "d" if verb.endswith("e") else verb + "ed"}


@lru_cache(maxsize=4096)
def relation_for_cue(cue: str) -> str | None:
    """Return the citation relation a paragraph's cue types, or None for a cue with none.

    Takes the cue as written ("Recalling further", "Also welcomes", "Noting with
    appreciation", "Taking note of"). Returns the relation's IRI (``cndkg:recalls``
    ...); every relation is a sub-property of ``eli:cites``.
    """
    words = [w for w in re.findall(r"[a-z]+", cue.lower())]
    while words and words[0] in _ADVERBS:
        words.pop(0)
    for form, relation in _forms():
        if tuple(words[: len(form)]) == form:
            return relation
    return None
