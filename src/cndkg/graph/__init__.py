"""Stage 5, graph: resolved resolutions + reference data -> one RDF graph.

The only stage that adds triples. It follows the vocabulary contract of
DESIGN.md exactly; provenance nodes get hash IRIs (never blank nodes), so the
same input always gives the same triples and byte-identical sorted dumps.
"""

from __future__ import annotations

from cndkg.graph.build import GraphResult, build_graph, describe_alone

__all__ = ["GraphResult", "build_graph", "describe_alone"]
