"""Query results as an aligned table, CSV, TSV or SPARQL 1.1 JSON."""

from __future__ import annotations

import csv
import io
import json

from cndkg.iris import Minter
from cndkg.namespaces import PREFIXES
from cndkg.query.engines import Cell, Result

FORMATS = ("table", "csv", "tsv", "json")


def compact(iri: str, base: str | None) -> str:
    """Return an IRI as ``prefix:local`` (``id:`` for the dataset's own) when a prefix covers it."""
    namespaces = dict(PREFIXES)
    if base:
        namespaces["id"] = Minter(base).identifier_space
    for prefix, namespace in sorted(namespaces.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def _show(cell: Cell | None, base: str | None) -> str:
    """Return one cell as the table shows it."""
    if cell is None:
        return ""
    return compact(cell.value, base) if cell.kind == "uri" else cell.value


def render(result: Result, output: str = "table", base: str | None = None) -> str:
    """Return a result in the chosen output format (table, csv, tsv or json)."""
    if result.graph is not None:
        return result.graph.decode("utf-8")
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}) if output == "json" else str(result.boolean).lower()
    if output == "json":
        return json.dumps(_json(result), ensure_ascii=False, indent=1)
    if output in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if output == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([row[v].value if row[v] is not None else "" for v in result.variables])  # type: ignore[union-attr]
        return buffer.getvalue().rstrip("\n")
    return _table(result, base)


def _table(result: Result, base: str | None) -> str:
    """Return rows as an aligned text table with a row count."""
    shown = [[_show(row[v], base) for v in result.variables] for row in result.rows]
    widths = [max([len(v), *(len(r[i]) for r in shown)]) for i, v in enumerate(result.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in shown]
    lines.append(f"({len(shown)} row{'s' if len(shown) != 1 else ''})")
    return "\n".join(lines)


def _json(result: Result) -> dict[str, object]:
    """Return a result as SPARQL 1.1 JSON results."""
    bindings = []
    for row in result.rows:
        binding: dict[str, dict[str, str]] = {}
        for name, cell in row.items():
            if cell is None:
                continue
            term: dict[str, str] = {"type": cell.kind, "value": cell.value}
            if cell.datatype:
                term["datatype"] = cell.datatype
            if cell.lang:
                term["xml:lang"] = cell.lang
            binding[name] = term
        bindings.append(binding)
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
