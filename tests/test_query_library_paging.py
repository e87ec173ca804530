"""The library's big questions are bounded: a session parameter, and limit/offset paging as a safe rewrite."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.build import BuildOptions, build
from cndkg.errors import CndkgError
from cndkg.query import bind, load_library, query_text, run
from cndkg.query.binding import MAX_LIMIT, MAX_OFFSET, page
from cndkg.query.engines import load_store
from cndkg.query.library import parse_library_file

from .conftest import CORPUS

ID = "https://w3id.org/cndkg/id/"
DRAFT_67 = ID + "draft/cnd/67/promoting-recovery-and-related-support-services-for-people-with-drug-use"
DRAFT_57 = ID + "draft/cnd/57/supporting-recovery-from-substance-use-disorders"
HOME_PAGE = ("recalled-by", "reports-due", "treaties-ranked")
# Parameters under which each paged query has several rows on the sample corpus.
SAMPLE_PARAMS = {
    "resolutions-by-session": {"session": "all"},
    "cited-by": {"target": "id:res/cnd/54/5"},
}
PAGED = sorted(name for name, entry in load_library().items() if entry.paged)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    out = tmp_path_factory.mktemp("paging") / "dist"
    build(BuildOptions(sources=[str(CORPUS)], out=out, site=False, root=CORPUS))
    return load_store(out / "cndkg.nt")


def rows(store: ox.Store, name: str, **params: str) -> list[tuple[str, ...]]:
    result = run(query_text(name, params), store=store)
    return [tuple(str(row[v]) if row[v] is not None else "" for v in result.variables) for row in result.rows]


def test_every_library_query_but_the_home_pages_is_paged() -> None:
    library = load_library()
    assert set(PAGED) == set(library) - set(HOME_PAGE)
    for name in PAGED:
        defaults = dict(library[name].params)
        assert defaults["limit"] == "100" and defaults["offset"] == "0", name
        assert query_text(name, {}).rstrip().endswith("\nLIMIT 100"), name


def test_the_home_page_queries_are_bound_as_before() -> None:
    """The site shows their text: no paging parameter, only the VALUES line of their defaults added."""
    for name in HOME_PAGE:
        entry = load_library()[name]
        assert not entry.paged
        text = query_text(name, {})
        assert "LIMIT" not in text
        assert re.sub(r"\n  VALUES \(\?\w+\) \{ \([^\n]*\) \}\n", "", text, count=1) == entry.text


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        (None, [("67", DRAFT_67)]),
        ("67", [("67", DRAFT_67)]),
        ("64", [("64", ID + "res/cnd/64/3"), ("64", ID + "res/cnd/64/4")]),
        ("57", [("57", DRAFT_57), ("57", ID + "res/cnd/57/4")]),
        (" 057 ", [("57", DRAFT_57), ("57", ID + "res/cnd/57/4")]),
        ("66", []),
        (
            "all",
            [
                ("67", DRAFT_67),
                ("64", ID + "res/cnd/64/3"),
                ("64", ID + "res/cnd/64/4"),
                ("57", DRAFT_57),
                ("57", ID + "res/cnd/57/4"),
            ],
        ),
        ("ALL", [("67", DRAFT_67), ("64", ID + "res/cnd/64/3")]),
    ],
)
def test_resolutions_by_session_answers_for_one_session_or_all(
    store: ox.Store, session: str | None, expected: list[tuple[str, str]]
) -> None:
    params = {"session": session} if session is not None else {}
    if session == "ALL":
        params["limit"] = "2"
    found = [(number, text) for number, text, _, _ in rows(store, "resolutions-by-session", **params)]
    assert found == expected


@pytest.mark.parametrize("name", PAGED)
def test_pages_are_disjoint_consecutive_and_add_up_to_the_unpaged_answer(store: ox.Store, name: str) -> None:
    params = SAMPLE_PARAMS.get(name, {})
    unpaged = rows(store, name, **params, limit=str(MAX_LIMIT))
    assert rows(store, name, **params) == unpaged  # the default page holds the whole small corpus's answer
    size = 2
    pages = [
        rows(store, name, **params, limit=str(size), offset=str(start)) for start in range(0, len(unpaged) + 1, size)
    ]
    assert all(len(chunk) == size for chunk in pages[:-1]) and len(pages[-1]) < size
    assert [row for chunk in pages for row in chunk] == unpaged
    assert rows(store, name, **params, offset=str(len(unpaged))) == []


def test_paging_reaches_rows_the_first_page_does_not(store: ox.Store) -> None:
    first = rows(store, "calls-on-unodc", limit="5")
    second = rows(store, "calls-on-unodc", limit="5", offset="5")
    assert len(first) == len(second) == 5 and not set(first) & set(second)
    assert first + second == rows(store, "calls-on-unodc")[:10]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "9" * 5000}, "limit"),
        ({"limit": "5 } ; DROP ALL ; #"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "+3"}, "offset"),
        ({"offset": "0x10"}, "offset"),
        ({"offset": str(MAX_OFFSET + 1)}, "offset"),
        ({"offset": "1 OFFSET 2"}, "offset"),
        ({"session": "sixty-seventh"}, "session"),
        ({"session": "-64"}, "session"),
        ({"session": "64.0"}, "session"),
        ({"session": "id:session/cnd/64"}, "session"),
        ({"session": "64 } UNION { ?s ?p ?o"}, "session"),
    ],
)
def test_bad_paging_and_session_values_are_errors_naming_the_parameter(params: dict[str, str], named: str) -> None:
    with pytest.raises(CndkgError, match=f"parameter '{named}' takes a whole number"):
        query_text("resolutions-by-session", params)


def test_limit_and_offset_are_no_parameters_of_unpaged_queries() -> None:
    with pytest.raises(CndkgError, match="takes no parameter 'limit'"):
        query_text("treaties-ranked", {"limit": "5"})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o }\nLIMIT 7\nOFFSET 3\n"),
        (
            "SELECT * WHERE { ?s ?p ?o }\nORDER BY ?s LIMIT 50 OFFSET 9\n",
            "SELECT * WHERE { ?s ?p ?o }\nORDER BY ?s\nLIMIT 7\nOFFSET 3\n",
        ),
        ("SELECT * WHERE { ?s ?p ?o } offset 9 limit 50", "SELECT * WHERE { ?s ?p ?o }\nLIMIT 7\nOFFSET 3\n"),
        (
            "SELECT ?limit WHERE { ?s ?p ?limit } ORDER BY ?limit",
            "SELECT ?limit WHERE { ?s ?p ?limit } ORDER BY ?limit\nLIMIT 7\nOFFSET 3\n",
        ),
        (
            "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } }",
            "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } }\nLIMIT 7\nOFFSET 3\n",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1 VALUES ?s { <http://e.org/a> }",
            "SELECT * WHERE { ?s ?p ?o }\nLIMIT 7\nOFFSET 3\nVALUES ?s { <http://e.org/a> }\n",
        ),
        (
            'SELECT * WHERE { ?s ?p "LIMIT 1" }\n# LIMIT 2\n',
            'SELECT * WHERE { ?s ?p "LIMIT 1" }\n# LIMIT 2\nLIMIT 7\nOFFSET 3\n',
        ),
        (
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # the old page\n",
            "SELECT * WHERE { ?s ?p ?o }\n# the old page\nLIMIT 7\nOFFSET 3\n",
        ),
    ],
)
def test_page_replaces_only_the_final_limit_and_offset(query: str, expected: str) -> None:
    assert page(query, 7, 3) == expected


def test_page_omits_a_zero_offset_and_refuses_out_of_range_numbers() -> None:
    assert page("SELECT * { ?s ?p ?o }", 1) == "SELECT * { ?s ?p ?o }\nLIMIT 1\n"
    for limit, offset in ((0, 0), (MAX_LIMIT + 1, 0), (1, -1), (1, MAX_OFFSET + 1)):
        with pytest.raises(CndkgError):
            page("SELECT * { ?s ?p ?o }", limit, offset)


def test_a_query_file_declaring_paging_is_paged_with_its_defaults() -> None:
    query = "# param: limit = 20\n# param: offset = 0\n# param: n = 3 (integer)\nSELECT * WHERE { ?s ?p ?n } LIMIT 5"
    assert bind(query, {}).endswith("\nLIMIT 20\n")
    bound = bind(query, {"n": "4", "limit": "2", "offset": "6"})
    assert 'VALUES (?n) { ("4"^^<http://www.w3.org/2001/XMLSchema#integer>) }' in bound
    assert bound.endswith("\nLIMIT 2\nOFFSET 6\n")
    with pytest.raises(CndkgError, match="parameter 'n' takes a whole number, not 'all'"):
        bind(query, {"n": "all"})
    # without a header, "limit" is an ordinary variable as before
    assert "VALUES (?limit)" in bind("SELECT * WHERE { ?s ?p ?limit }", {"limit": "2"})


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# param: limit = many", "paging parameter 'limit' needs a whole-number default"),
        ("# param: offset", "paging parameter 'offset' needs a whole-number default"),
        ("# param: session = 67 (whole number)", "malformed param line"),
    ],
)
def test_bad_param_headers_are_reported_with_the_file(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "odd.rq"
    path.write_text(f"# title: Odd\n# question: Odd?\n{header}\nSELECT * WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
    with pytest.raises(CndkgError, match=f"odd.rq: .*{message}"):
        parse_library_file(path)


def test_param_kinds_are_read_from_the_header() -> None:
    entry = load_library()["resolutions-by-session"]
    assert dict(entry.params) == {"session": "67", "limit": "100", "offset": "0"}
    assert dict(entry.kinds) == {"session": "integer or all"}
