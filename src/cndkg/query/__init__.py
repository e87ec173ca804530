"""Stage 8, query: SPARQL over the built graph in-process, the project's server, or any endpoint."""

from __future__ import annotations

from pathlib import Path

from cndkg.iris import Minter
from cndkg.namespaces import DEFAULT_BASE
from cndkg.query.binding import QueryError, bind
from cndkg.query.engines import Cell, Result, run_endpoint, run_local
from cndkg.query.library import LibraryQuery, load_library

__all__ = ["Cell", "LibraryQuery", "QueryError", "Result", "bind", "load_library", "query_text", "run"]


def query_text(query: str, params: dict[str, str], base: str = DEFAULT_BASE) -> str:
    """Return the SPARQL text to run for a library name, a ``.rq`` file or a query string, params bound.

    A library query's declared parameters get their defaults unless given (an
    identifier default is moved under ``base``, the dataset's base); ``id:``
    names expand under ``base`` too; an unknown parameter name is an error.
    """
    minter = Minter(base)
    library = load_library()
    if query in library:
        entry = library[query]
        declared = {name: default for name, default in entry.params}
        unknown = set(params) - set(declared)
        if unknown:
            raise QueryError(f"query {query!r} takes no parameter {sorted(unknown)[0]!r}; it takes {sorted(declared)}")
        values = {name: params.get(name) or (minter.rebase(d) if d else d) for name, d in declared.items()}
        missing = [name for name, value in values.items() if value is None]
        if missing:
            name = missing[0]
            raise QueryError(f"query {query!r} needs a value for its parameter {name!r} (params={{{name!r}: VALUE}})")
        return bind(entry.text, {k: v for k, v in values.items() if v is not None}, base)
    path = Path(query)
    if query.endswith(".rq") or (path.suffix == "" and path.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise QueryError(f"{query}: cannot read query file ({error.strerror or error})") from None
        return bind(text, params, base)
    if not any(word in query.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        names = ", ".join(sorted(library))
        raise QueryError(f"{query!r} is neither SPARQL, a .rq file nor a library query ({names})")
    return bind(query, params, base)


def run(
    text: str,
    *,
    store: object | None = None,
    endpoint: str | None = None,
    graph: str | None = None,
    timeout: float = 30.0,
) -> Result:
    """Run prepared query text on an in-process store or an endpoint (exactly one of them)."""
    if endpoint:
        return run_endpoint(endpoint, text, graph=graph, timeout=timeout)
    assert store is not None
    return run_local(store, text)  # type: ignore[arg-type]
