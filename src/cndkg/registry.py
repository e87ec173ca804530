"""Reference data (``ontology/reference/``) -> lookup tables for the resolver.

Treaties, declarations, standards, bodies and well-known resolutions are Turtle
with relative IRIs (resolved against the dataset's base); SDG goals and
targets, Member States and CND sessions are CSV. The registry turns them into
one rdflib graph (merged into the dataset) plus dictionaries keyed by
normalised names, Treaty Series numbers, record locators, ISO codes and session
numbers. Nothing here is hard-coded: add a row or a Turtle block to extend it.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from cndkg.iris import Minter
from cndkg.namespaces import CNDKG, DCTERMS, RDF, SDG, SKOS
from cndkg.resources import data_dir

SDG_SCHEME = URIRef(str(SDG).rstrip("/"))


_NAME_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@lru_cache(maxsize=1 << 16)
def normalise_name(text: str) -> str:
    """Return the key a name is looked up under: its word tokens, case-folded, space-joined.

    "Single Convention on Narcotic Drugs, 1961" and "single convention on narcotic
    drugs 1961" share a key, as do "high-level" and "high level". Memoised: settling
    a corpus compares the same titles again and again (200,000 calls at 10,000 texts).
    """
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(_NAME_TOKEN.findall(text)).casefold()


@dataclass(frozen=True, slots=True)
class NameEntry:
    """A name the finder recognises, and whether it must match case-sensitively."""

    text: str
    exact_case: bool


@dataclass(frozen=True)
class Registry:
    """Lookup tables over the reference data, for one base URI."""

    minter: Minter
    graph: Graph
    names: dict[str, str] = field(default_factory=dict)
    name_entries: list[NameEntry] = field(default_factory=list)
    body_names: dict[str, str] = field(default_factory=dict)
    body_entries: list[NameEntry] = field(default_factory=list)
    treaty_series: dict[tuple[int, int], str] = field(default_factory=dict)
    published_in: dict[tuple[str, str], str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    state_names_with_and: frozenset[str] = frozenset()
    sdg: dict[str, str] = field(default_factory=dict)
    cnd_session_years: dict[int, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def session_year(self, body_key: str, number: int) -> int | None:
        """Return the year a session met (CND: from the table, else 1957 + N from the 36th on)."""
        if body_key != "cnd":
            return None
        if number in self.cnd_session_years:
            return self.cnd_session_years[number]
        return 1957 + number if number >= 36 else None

    def year_of(self, iri: str) -> int | None:
        """Return the year a reference entity came into being (its ``dcterms:date``), if the data says."""
        return self._years.get(iri)

    @cached_property
    def _years(self) -> dict[str, int | None]:
        """Each dated reference entity's year, read once (the resolver asks for every target it checks)."""
        years: dict[str, int | None] = {}
        for subject in set(self.graph.subjects(DCTERMS.date)):
            text = str(next(self.graph.objects(subject, DCTERMS.date)))  # the first, as a lookup of one finds
            years[str(subject)] = int(text[:4]) if text[:4].isdigit() else None
        return years

    def label_of(self, iri: str) -> str | None:
        """Return the preferred label of a reference entity, if it has one."""
        for label in self.graph.objects(URIRef(iri), SKOS.prefLabel):
            return str(label)
        for title in self.graph.objects(URIRef(iri), DCTERMS.title):
            return str(title)
        return None


def load_registry(base: str | None = None, folder: Path | None = None) -> Registry:
    """Load the reference data.

    Takes the dataset's base URI (default: the contract's) and, for tests, another
    reference folder. Returns the :class:`Registry`; raises ValueError naming the
    file and row for malformed data.
    """
    return _load(base or Minter().base, str(folder) if folder else None)


@lru_cache(maxsize=8)
def _load(base: str, folder_name: str | None) -> Registry:
    minter = Minter(base)
    folder = Path(folder_name) if folder_name else data_dir("ontology") / "reference"
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle", publicID=base)
    registry = Registry(minter=minter, graph=graph)
    _index_labels(registry)
    _load_states(registry, folder / "states.csv")
    _load_sdg(registry, folder / "sdg.csv")
    _load_sessions(registry, folder / "cnd-sessions.csv")
    return registry


def _index_labels(registry: Registry) -> None:
    """Index names, Treaty Series numbers and record locators from the Turtle data."""
    graph = registry.graph
    for subject, _, kind in graph.triples((None, RDF.type, None)):
        registry.kinds[str(subject)] = str(kind).rsplit("#", 1)[-1]
    seen: set[str] = set()
    for subject, predicate, label in sorted(graph.triples((None, None, None))):
        if predicate not in (SKOS.altLabel, SKOS.hiddenLabel, SKOS.prefLabel):
            continue
        is_body = registry.kinds.get(str(subject)) == "Body"
        key = normalise_name(str(label))
        table = registry.body_names if is_body else registry.names
        if key in table and table[key] != str(subject):
            raise ValueError(f"reference data: name {str(label)!r} is given to {table[key]} and {subject}")
        table[key] = str(subject)
        if predicate == SKOS.prefLabel and not is_body:
            continue
        entry = NameEntry(str(label), predicate == SKOS.hiddenLabel)
        marker = f"{is_body}:{entry.text}"
        if marker not in seen:
            seen.add(marker)
            (registry.body_entries if is_body else registry.name_entries).append(entry)
    for subject, citation in graph.subject_objects(CNDKG.treatySeriesCitation):
        volume, number = str(citation).split("/")
        registry.treaty_series[(int(volume), int(number))] = str(subject)
    for subject, document in graph.subject_objects(CNDKG.publishedIn):
        for locator in graph.objects(subject, CNDKG.locator):
            registry.published_in[(str(document), normalise_locator(str(locator)))] = str(subject)


def normalise_locator(text: str) -> str:
    """Return a record locator in one spelling: "chap. I, sect. B" -> "chap i sect b"."""
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _rows(path: Path, columns: set[str]) -> list[dict[str, str]]:
    """Read a CSV file with the given columns, or raise ValueError naming file and row."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = columns - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path.name}: missing columns {sorted(missing)}")
        return list(reader)


def _load_states(registry: Registry, path: Path) -> None:
    """Add Member States (and observers) with their names and aliases."""
    with_and: set[str] = set()
    for row_number, row in enumerate(_rows(path, {"iso3", "name", "aliases", "status"}), start=2):
        try:
            iri = registry.minter.state(row["iso3"])
        except ValueError as error:
            raise ValueError(f"{path.name}:{row_number}: {error}") from None
        subject = URIRef(iri)
        registry.graph.add((subject, RDF.type, CNDKG.MemberState))
        registry.graph.add((subject, SKOS.prefLabel, Literal(row["name"], lang="en")))
        registry.graph.add((subject, SKOS.notation, Literal(row["iso3"])))
        registry.kinds[iri] = "MemberState"
        names = [row["name"], *[a for a in row["aliases"].split("|") if a.strip()]]
        for name in names:
            registry.states[normalise_name(name)] = iri
            if " and " in name:
                with_and.add(name.strip())
    object.__setattr__(registry, "state_names_with_and", frozenset(with_and))  # the one field set after init


def _load_sdg(registry: Registry, path: Path) -> None:
    """Add the 17 goals and 169 targets as SKOS concepts with the UN's own IRIs."""
    graph = registry.graph
    graph.add((SDG_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((SDG_SCHEME, SKOS.prefLabel, Literal("Sustainable Development Goals", lang="en")))
    for row in _rows(path, {"notation", "kind", "goal", "title"}):
        iri = str(SDG) + row["notation"]
        subject = URIRef(iri)
        graph.add((subject, RDF.type, SKOS.Concept))
        graph.add((subject, SKOS.notation, Literal(row["notation"])))
        graph.add((subject, SKOS.inScheme, SDG_SCHEME))
        kind = "Goal" if row["kind"] == "goal" else "Target"
        label = f"SDG {kind.lower()} {row['notation']}"
        graph.add((subject, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((subject, SKOS.definition, Literal(row["title"], lang="en")))
        if row["kind"] == "target":
            graph.add((subject, SKOS.broader, URIRef(str(SDG) + row["goal"])))
        else:
            graph.add((subject, SKOS.topConceptOf, SDG_SCHEME))
        registry.sdg[row["notation"]] = iri
        registry.kinds[iri] = "SDG" + kind


def _load_sessions(registry: Registry, path: Path) -> None:
    """Read the years in which CND sessions met."""
    for row in _rows(path, {"session", "year"}):
        registry.cnd_session_years[int(row["session"])] = int(row["year"])
