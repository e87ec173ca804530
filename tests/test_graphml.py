"""The GraphML writer: its bytes are lxml's serialisation of the same tree, for any labels and IRIs."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cndkg.publish.akn import clean
from cndkg.publish.graphml import GRAPHML_NAMESPACE, graphml_bytes

_G = f"{{{GRAPHML_NAMESPACE}}}"


def lxml_graphml(nodes: dict[str, tuple[str, str]], edges: Counter[tuple[str, str, str]]) -> bytes:
    """The reference: the tree built element by element with lxml and pretty-printed (as the writer did before
    it formatted text; every value cleaned of what XML cannot hold, as the writer does)."""
    root = etree.Element(_G + "graphml", nsmap={None: GRAPHML_NAMESPACE})
    for key, target, name, kind in (
        ("label", "node", "label", "string"),
        ("kind", "node", "kind", "string"),
        ("relation", "edge", "relation", "string"),
        ("weight", "edge", "paragraphs", "int"),
    ):
        etree.SubElement(root, _G + "key", {"id": key, "for": target, "attr.name": name, "attr.type": kind})
    graph = etree.SubElement(root, _G + "graph", id="citations", edgedefault="directed")
    for iri, (label, kind) in nodes.items():
        node = etree.SubElement(graph, _G + "node", id=clean(iri))
        etree.SubElement(node, _G + "data", key="label").text = clean(label)
        etree.SubElement(node, _G + "data", key="kind").text = clean(kind)
    for index, ((source, target, relation), count) in enumerate(sorted(edges.items())):
        edge = etree.SubElement(graph, _G + "edge", id=f"e{index}", source=clean(source), target=clean(target))
        etree.SubElement(edge, _G + "data", key="relation").text = clean(relation)
        etree.SubElement(edge, _G + "data", key="weight").text = str(count)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# Every character XML escapes, in text or attributes, the ones it cannot hold, and ordinary words.
_CHARACTERS = "&<>\"'\r\n\t ]x\x00\x0b\ud800\ufffe\u00e9\u4e2d\U0001f600"
_TRICKY = st.text(alphabet=st.sampled_from(list(_CHARACTERS)), max_size=12)
_WORDS = st.one_of(_TRICKY, st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_WORDS, st.tuples(_WORDS, _WORDS), max_size=5),
    st.dictionaries(st.tuples(_WORDS, _WORDS, _WORDS), st.integers(1, 999), max_size=5),
)
def test_the_writer_gives_lxmls_bytes(
    nodes: dict[str, tuple[str, str]], counts: dict[tuple[str, str, str], int]
) -> None:
    edges = Counter(counts)
    assert graphml_bytes(nodes, edges) == lxml_graphml(nodes, edges)


def test_an_empty_network_and_an_empty_kind() -> None:
    nodes = {"https://w3id.org/cndkg/id/res/cnd/61/11": ("Resolution 61/11 & <more>", "")}
    text, target = "https://w3id.org/cndkg/id/res/cnd/61/11", "https://w3id.org/cndkg/x?a=1&b=2"
    edges = Counter({(text, target, "cndkg:recalls"): 3})
    assert graphml_bytes(nodes, edges) == lxml_graphml(nodes, edges)
    assert graphml_bytes({}, Counter()) == lxml_graphml({}, Counter())
