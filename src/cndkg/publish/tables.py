"""CSV files for spreadsheet users: resolutions, citations, reporting mandates, sponsorships.

Each file is UTF-8 with a header row and one row per instance in the graph (a
resolution, a citation node, a mandate node, a sponsor triple), read from the
store with SPARQL and sorted, so the same graph gives the same bytes and the
row counts are what the same questions asked over SPARQL count. Rows end in
CRLF and fields are quoted where needed (RFC 4180). A cell taken from source
text that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from cndkg.delta import RowsDelta, family
from cndkg.namespaces import CNDKG, DCTERMS, ELI, PREFIXES, SKOS

CSV_MEDIA_TYPE = "text/csv"
CSV_FILES = ("resolutions.csv", "citations.csv", "mandates.csv", "sponsorships.csv")
_PROLOGUE = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in sorted(PREFIXES.items()))
_TEXT_TYPES = (CNDKG.Resolution, CNDKG.DraftResolution, CNDKG.ResolutionFragment)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Return the solutions of a SELECT query as dicts of plain strings ('' for unbound)."""
    solutions = store.query(_PROLOGUE + query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in solutions]


def _defuse(value: str) -> str:
    """Return a cell from source text that a spreadsheet cannot take for a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write one CSV file: header, then the rows sorted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(sorted(rows))
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def resolution_rows(store: ox.Store) -> list[list[str]]:
    """Return one row per resolution, draft or fragment in the graph (texts in the corpus and those only cited)."""
    types = " ".join(f"<{t}>" for t in _TEXT_TYPES)
    found = _rows(
        store,
        f"""SELECT ?text ?type (MIN(?s) AS ?symbol) (MIN(?t) AS ?title) (MIN(?d) AS ?date) (MIN(?b) AS ?body)
               (MIN(?n) AS ?session) (COUNT(DISTINCT ?p) AS ?paragraphs) WHERE {{
             VALUES ?type {{ {types} }}
             ?text a ?type .
             OPTIONAL {{ ?text <{DCTERMS.identifier}> ?s }}
             OPTIONAL {{ ?text <{DCTERMS.title}> ?t }}
             OPTIONAL {{ ?text <{ELI.date_document}> ?d }}
             OPTIONAL {{ ?text <{ELI.passed_by}> ?b }}
             OPTIONAL {{ ?text <{CNDKG.session}> ?n }}
             OPTIONAL {{ ?text <{ELI.has_part}> ?p }}
           }} GROUP BY ?text ?type""",
    )
    return [
        [
            r["text"],
            r["type"].rsplit("#", 1)[-1],
            r["symbol"],
            _defuse(r["title"]),
            r["date"],
            r["body"],
            r["session"],
            r["paragraphs"],
        ]
        for r in found
    ]


def citation_rows(store: ox.Store) -> list[list[str]]:
    """Return one row per citation node: citing text and paragraph, relation, target, matched words."""
    found = _rows(
        store,
        f"""SELECT ?citation ?paragraph ?target ?matched ?line ?footnote WHERE {{
             ?citation a <{CNDKG.Citation}> ; <{CNDKG.citingParagraph}> ?paragraph ; <{CNDKG.target}> ?target .
             OPTIONAL {{ ?citation <{CNDKG.matchedText}> ?matched }}
             OPTIONAL {{ ?citation <{CNDKG.sourceLine}> ?line }}
             OPTIONAL {{ ?citation <{CNDKG.inFootnote}> ?footnote }}
           }}""",
    )
    relations: dict[tuple[str, str], list[str]] = defaultdict(list)
    namespace = str(CNDKG._NS)
    for row in _rows(
        store,
        f"""SELECT DISTINCT ?paragraph ?relation ?target WHERE {{
              ?c <{CNDKG.citingParagraph}> ?paragraph ; <{CNDKG.target}> ?target .
              ?paragraph ?relation ?target .
              FILTER(STRSTARTS(STR(?relation), "{namespace}"))
            }}""",
    ):
        relations[(row["paragraph"], row["target"])].append("cndkg:" + row["relation"][len(namespace) :])
    return [
        [
            r["citation"],
            r["paragraph"].split("#", 1)[0],
            r["paragraph"].rsplit("#", 1)[-1],
            r["paragraph"],
            " ".join(sorted(relations.get((r["paragraph"], r["target"]), []))) or "eli:cites",
            r["target"],
            _defuse(r["matched"]),
            r["footnote"].rsplit("#", 1)[-1] if r["footnote"] else "",
            r["line"],
        ]
        for r in found
    ]


def mandate_rows(store: ox.Store) -> list[list[str]]:
    """Return one row per reporting mandate: paragraph, due session, addressees, the words that make it."""
    found = _rows(
        store,
        f"""SELECT ?mandate ?paragraph ?due (MIN(?t) AS ?text)
                   (GROUP_CONCAT(DISTINCT STR(?a); separator=" ") AS ?addressees) WHERE {{
             ?mandate a <{CNDKG.ReportingMandate}> ; <{CNDKG.mandatedBy}> ?paragraph .
             OPTIONAL {{ ?mandate <{CNDKG.dueSession}> ?due }}
             OPTIONAL {{ ?mandate <{CNDKG.text}> ?t }}
             OPTIONAL {{ ?mandate <{CNDKG.addressee}> ?a }}
           }} GROUP BY ?mandate ?paragraph ?due""",
    )
    return [
        [
            r["mandate"],
            r["paragraph"].split("#", 1)[0],
            r["paragraph"].rsplit("#", 1)[-1],
            r["due"],
            " ".join(sorted(r["addressees"].split())),
            _defuse(r["text"]),
        ]
        for r in found
    ]


def sponsorship_rows(store: ox.Store) -> list[list[str]]:
    """Return one row per sponsorship (draft, sponsor) with the sponsor's name."""
    found = _rows(
        store,
        f"""SELECT ?draft ?sponsor (MIN(?n) AS ?name) (MIN(?s) AS ?session) WHERE {{
             ?draft <{CNDKG.sponsor}> ?sponsor .
             OPTIONAL {{ ?sponsor <{SKOS.prefLabel}> ?n }}
             OPTIONAL {{ ?draft <{CNDKG.session}> ?s }}
           }} GROUP BY ?draft ?sponsor""",
    )
    return [[r["draft"], r["session"], r["sponsor"], _defuse(r["name"])] for r in found]


HEADERS = {
    "resolutions.csv": ["iri", "type", "symbol", "title", "date", "body", "session", "paragraphs"],
    "citations.csv": [
        "citation",
        "text",
        "paragraph",
        "paragraph_iri",
        "relation",
        "target",
        "matched_text",
        "footnote",
        "source_line",
    ],
    "mandates.csv": ["mandate", "text", "paragraph", "due_session", "addressees", "phrase"],
    "sponsorships.csv": ["draft", "session", "sponsor", "sponsor_name"],
}


_BUILDERS = {
    "resolutions.csv": resolution_rows,
    "citations.csv": citation_rows,
    "mandates.csv": mandate_rows,
    "sponsorships.csv": sponsorship_rows,
}


def table_rows(store: ox.Store, since: RowsDelta | None = None) -> dict[str, list[list[str]]]:
    """Return the rows of the four CSV files, by file name.

    With ``since``, a row whose first column's family did not change is taken
    from the previous build's file; the others are computed from the scoped
    store (a row depends only on its family's triples and the labels of what
    they name). The rows are those of a full computation.
    """
    tables: dict[str, list[list[str]]] = {}
    for name in CSV_FILES:
        if since is None:
            tables[name] = _BUILDERS[name](store)
        else:
            rows = [row for row in _read_rows(since.previous / name) if family(row[0]) not in since.families]
            rows += [row for row in _BUILDERS[name](since.scoped) if family(row[0]) in since.families]
            tables[name] = rows
    return tables


def write_tables(folder: Path, tables: dict[str, list[list[str]]]) -> dict[str, int]:
    """Write the four CSV files from their rows (:func:`table_rows`) into ``folder``; return name -> size in bytes."""
    for name in CSV_FILES:
        _write(folder / name, HEADERS[name], tables[name])
    return {name: (folder / name).stat().st_size for name in CSV_FILES}


def _read_rows(path: Path) -> list[list[str]]:
    """Return the rows of a CSV file this module wrote, without its header."""
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    return rows[1:]
