"""Stage 8, query: every library query on the sample graph, with rows checked by hand against the seeds."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cndkg.build import BuildOptions, build
from cndkg.cli import main
from cndkg.query import QueryError, bind, load_library, query_text, run
from cndkg.query.binding import to_term
from cndkg.query.engines import load_store
from cndkg.query.output import render

from .conftest import CORPUS

ID = "https://w3id.org/cndkg/id/"
DRAFT_67 = ID + "draft/cnd/67/promoting-recovery-and-related-support-services-for-people-with-drug-use"
DRAFT_57 = ID + "draft/cnd/57/supporting-recovery-from-substance-use-disorders"
FRAGMENT = ID + "fragment/"


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("query") / "dist"
    build(BuildOptions(sources=[str(CORPUS)], out=out, site=False, root=CORPUS))
    return out / "cndkg.nt"


@pytest.fixture(scope="module")
def store(dump: Path) -> ox.Store:
    return load_store(dump)


def rows(store: ox.Store, name: str, **params: str) -> list[tuple[str, ...]]:
    result = run(query_text(name, params), store=store)
    return [tuple(str(row[v]) if row[v] is not None else "" for v in result.variables) for row in result.rows]


def test_who_recalls_61_11_is_the_2024_draft(store: ox.Store) -> None:
    assert rows(store, "recalled-by") == [(DRAFT_67, DRAFT_67 + "#pp15", "Recalling")]


def test_texts_citing_54_5_directly_and_transitively(store: ox.Store) -> None:
    found = {(text, how, relation) for text, _, how, relation in rows(store, "cited-by", target=ID + "res/cnd/54/5")}
    reaffirms = "https://w3id.org/cndkg/ontology#reaffirms"
    assert found == {
        (ID + "res/cnd/57/4", "direct", reaffirms),
        (DRAFT_57, "direct", reaffirms),
        (DRAFT_67, "transitive", ""),
    }


def test_reports_due_at_the_66th_58th_and_65th_sessions(store: ox.Store) -> None:
    [due_66] = rows(store, "reports-due")
    assert due_66[:3] == (ID + "res/cnd/64/3", ID + "res/cnd/64/3#op20", ID + "body/unodc")
    due_58 = rows(store, "reports-due", session="id:session/cnd/58")
    assert {(t, p) for t, p, _, _ in due_58} == {
        (ID + "res/cnd/57/4", ID + "res/cnd/57/4#op10"),
        (DRAFT_57, DRAFT_57 + "#op10"),
    }
    [due_65] = rows(store, "reports-due", session=ID + "session/cnd/65")
    assert due_65[0].startswith(FRAGMENT) and due_65[1].endswith("#op11")


def test_paragraphs_that_call_on_unodc(store: ox.Store) -> None:
    found = {
        (t.rsplit("/", 1)[-1] if not t.startswith(FRAGMENT) else "fragment", p.rsplit("#", 1)[1], cue)
        for t, p, cue in rows(store, "calls-on-unodc")
    }
    expected_64_3 = {
        ("3", "op10", "Also invites"),
        ("3", "op15", "Requests"),
        ("3", "op16", "Also requests"),
        ("3", "op17", "Further requests"),
        ("3", "op18", "Encourages"),
        ("3", "op20", "Requests"),
    }
    assert found == expected_64_3 | {
        ("4", "op9", "Invites"),
        ("4", "op10", "Requests"),
        ("supporting-recovery-from-substance-use-disorders", "op9", "Invites"),
        ("supporting-recovery-from-substance-use-disorders", "op10", "Requests"),
        ("promoting-recovery-and-related-support-services-for-people-with-drug-use", "op6", "Requests"),
        ("promoting-recovery-and-related-support-services-for-people-with-drug-use", "op7", "Also requests"),
        ("fragment", "op11", "Requests"),
    }


def test_sponsorships_and_co_sponsorship(store: ox.Store) -> None:
    sponsors = {(state.rsplit("/", 1)[-1], count) for state, _, count, _ in rows(store, "sponsorships")}
    assert sponsors == {(c, "1") for c in ("CHL", "DOM", "SLV", "DEU", "NOR", "ISR", "PER", "USA")}
    pairs = rows(store, "co-sponsorship")
    assert len(pairs) == 10 + 3
    assert (ID + "state/ISR", ID + "state/USA", "1") in pairs


def test_texts_linked_to_sdg_target_3_5(store: ox.Store) -> None:
    assert rows(store, "sdg-target") == [(DRAFT_67, DRAFT_67 + "#pp12", "Recalling")]


def test_treaties_ranked_by_invocations(store: ox.Store) -> None:
    ranked = [(t.rsplit("/", 1)[-1], texts) for t, _, texts, _ in rows(store, "treaties-ranked")]
    # "the Single Convention ... of 1961 as amended by the 1972 Protocol" invokes the Protocol too
    assert sorted(ranked[:4]) == [
        ("1961-single-convention", "3"),
        ("1971-psychotropic-convention", "3"),
        ("1972-protocol", "3"),
        ("1988-trafficking-convention", "3"),
    ]
    assert ranked[4] == ("1966-icescr", "1")


def test_draft_adopted_pairs(store: ox.Store) -> None:
    assert rows(store, "draft-adopted") == [
        (DRAFT_57, ID + "res/cnd/57/4", "57/4", "Supporting recovery from substance use disorders")
    ]


def test_citation_network_of_64_3(store: ox.Store) -> None:
    found = rows(store, "citation-network")
    assert ("cited by", DRAFT_67, "https://w3id.org/cndkg/ontology#recalls") in found
    cites = {other.rsplit("id/", 1)[-1] for direction, other, _ in found if direction == "cites"}
    assert {
        "treaty/1961-single-convention",
        "res/ga/217-A-III",
        "res/ga/2200-A-XXI",
        "res/ga/S-30/1",
        "declaration/2019-ministerial-declaration",
        "declaration/2014-joint-ministerial-statement",
        "declaration/2009-political-declaration",
        "res/ga/70/1",
        "res/ga/74/2",
        "treaty/1966-icescr",
        "standard/prevention-standards",
        "standard/treatment-standards",
        "standard/hiv-technical-guide",
    } <= cites


def test_resolutions_by_session(store: ox.Store) -> None:
    answer = rows(store, "resolutions-by-session", session="all")
    found = [(number, text.rsplit("id/", 1)[-1]) for number, text, _, _ in answer]
    assert found == [
        ("67", DRAFT_67.rsplit("id/", 1)[-1]),
        ("64", "res/cnd/64/3"),
        ("64", "res/cnd/64/4"),
        ("57", DRAFT_57.rsplit("id/", 1)[-1]),
        ("57", "res/cnd/57/4"),
    ]


def test_unresolved_citations_are_listed(tmp_path: Path) -> None:
    source = tmp_path / "odd.txt"
    source.write_text(
        "Resolution 60/1\n\nTitle\n\nThe Commission on Narcotic Drugs,\n\n"
        "Recalling the instrument,¹\n\n1. Invites Member States to act.\n\n"
        "¹ United Nations, Treaty Series, vol. 1, No. 1.\n",
        encoding="utf-8",
    )
    build(BuildOptions(sources=[str(source)], out=tmp_path / "dist", site=False, root=tmp_path))
    found = rows(load_store(tmp_path / "dist" / "cndkg.nt"), "unresolved")
    assert found == [(ID + "res/cnd/60/1", ID + "res/cnd/60/1#pp1", "United Nations, Treaty Series, vol. 1, No. 1")]


def test_every_library_query_is_documented_and_runs(store: ox.Store) -> None:
    library = load_library()
    assert len(library) >= 10
    for name, entry in library.items():
        assert entry.title and entry.question.endswith("?"), name
        run(query_text(name, {}), store=store)


@pytest.mark.parametrize(
    ("value", "term"),
    [
        ("https://w3id.org/cndkg/id/res/cnd/61/11", "<https://w3id.org/cndkg/id/res/cnd/61/11>"),
        ("id:res/cnd/61/11", "<https://w3id.org/cndkg/id/res/cnd/61/11>"),
        ("eli:cites", "<http://data.europa.eu/eli/ontology#cites>"),
        ("Recalling", '"Recalling"'),
        ('x" } ; DROP ALL ; #', '"x\\" } ; DROP ALL ; #"'),
        ("66", '"66"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ],
)
def test_values_are_bound_as_terms(value: str, term: str) -> None:
    assert to_term(value) == term


def test_injection_through_a_parameter_stays_a_literal(store: ox.Store) -> None:
    text = query_text("recalled-by", {"target": "> } ; DELETE WHERE { ?s ?p ?o } #"})
    assert run(text, store=store).rows == []
    assert len(store) > 4000


@pytest.mark.parametrize("bad", ["https://exa mple.org/x", "<https://x.org/a>b>", 'http://x.org/"'])
def test_malformed_iris_are_refused(bad: str) -> None:
    with pytest.raises(QueryError):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": bad})


def test_unknown_parameter_and_syntax_error_are_clear(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="takes no parameter 'nope'"):
        query_text("recalled-by", {"nope": "1"})
    with pytest.raises(QueryError, match=r"syntax error: error at 1:\d+"):
        run("SELECT ?x WHERE { ?x }", store=store)


def test_cli_query_formats(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "recalled-by", "--graph", str(dump), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["text,paragraph,cue", f"{DRAFT_67},{DRAFT_67}#pp15,Recalling"]
    assert main(["query", "recalled-by", "--graph", str(dump)]) == 0
    table = capsys.readouterr().out
    assert "id:draft/cnd/67/" in table and table.rstrip().endswith("(1 row)")
    assert main(["query", "ASK { ?s ?p ?o }", "--graph", str(dump), "--format", "json"]) == 0
    assert '"boolean": true' in capsys.readouterr().out
    assert main(["query", "recalled-by", "--graph", str(dump.parent / "missing.nt")]) == 2


def test_render_tsv(store: ox.Store) -> None:
    result = run(query_text("draft-adopted", {}), store=store)
    assert render(result, "tsv").splitlines()[0] == "draft\tresolution\tsymbol\ttitle"


def test_environment_credentials_go_only_to_the_named_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cndkg.query.credentials import credentials_for

    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    monkeypatch.setenv("CNDKG_SPARQL_USER", "alice")
    monkeypatch.setenv("CNDKG_SPARQL_PASSWORD", "secret")
    monkeypatch.delenv("CNDKG_SPARQL_HOST", raising=False)
    assert credentials_for("https://store.example.org/sparql") is None
    monkeypatch.setenv("CNDKG_SPARQL_HOST", "store.example.org")
    assert credentials_for("https://store.example.org/sparql") == ("alice", "secret")
    assert credentials_for("https://elsewhere.example.net/sparql") is None
    (tmp_path / "netrc").write_text("machine elsewhere.example.net login bob password pw\n", encoding="utf-8")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    assert credentials_for("https://elsewhere.example.net/sparql") == ("bob", "pw")


def test_bind_marker_places_values_inside_each_union_branch() -> None:
    query = "SELECT * WHERE {\n  {\n    # bind\n    ?s ?p ?o\n  } UNION {\n    # bind\n    ?o ?p ?s\n  }\n}"
    bound = bind(query, {"s": "id:res/cnd/61/11"})
    assert bound.count("VALUES (?s) { (<https://w3id.org/cndkg/id/res/cnd/61/11>) }") == 2
    assert "# bind" not in bound


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://e.org/ns#> SELECT * WHERE { ?s ex:p ?t }",
        "SELECT * { ?s ?p ?t }",
        "ASK { ?s ?p ?t }",
        'SELECT * WHERE { ?s ?p "a # not a comment" . ?s ?q ?t }',
    ],
)
def test_bind_finds_the_group_past_iris_strings_and_without_where(query: str) -> None:
    bound = bind(query, {"t": "5"})
    assert 'VALUES (?t) { ("5"^^<http://www.w3.org/2001/XMLSchema#integer>) }' in bound
    assert bound.index("VALUES") > bound.index("{")
