"""Template contexts for every kind of page, built from :class:`SiteData` (the graph).

A text's page shows its :class:`~cndkg.publish.textview.TextView`: paragraphs,
footnotes, citations and mandates as the graph states them. Contexts hold plain
values (text, relative links); the templates escape all of it. Paragraph texts
become lists of pieces (text, link, footnote marker) so a citation in the text
links to its target without any HTML built here.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from cndkg.namespaces import CNDKG, DCTERMS, ELI, SCHEMA_CONTEXT, SKOS
from cndkg.publish import charts
from cndkg.publish.akn import AKN_FILE, AKN_MEDIA_TYPE
from cndkg.publish.sitedata import SiteData, relative
from cndkg.publish.textview import ParagraphView, TextView

NAV = (
    ("resolutions", "Resolutions"),
    ("sessions", "Sessions"),
    ("treaties", "Treaties and declarations"),
    ("sdg", "SDG targets"),
    ("states", "Member States"),
    ("documents", "Documents"),
)
# The library's questions shown on the home page, rendered from their .rq files under the site's base.
EXAMPLE_QUERIES = ("recalled-by", "reports-due", "treaties-ranked")


def example_queries(base: str) -> list[tuple[str, str]]:
    """Return (question, SPARQL text) for the home page's examples, bound with the library's defaults."""
    from cndkg.query import load_library, query_text

    library = load_library()
    examples = []
    for name in EXAMPLE_QUERIES:
        text = query_text(name, {}, base)
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
        examples.append((library[name].question, body))
    return examples


_SESSION = str(CNDKG.session)
_SPONSOR = str(CNDKG.sponsor)
_DUE_SESSION = str(CNDKG.dueSession)


_TEXT_KINDS = ("Resolution", "Draft resolution", "Resolution fragment")


def common(data: SiteData, path: str, title: str) -> dict[str, Any]:
    """Return the context every page shares: title, links to the root, the nav and static files."""
    root = relative(path, "")
    return {
        "title": title,
        "root": root,
        "static": root + "static/",
        "nav": [(root + name + "/", label) for name, label in NAV],
        "path": path,
        "alternates": [],
        "jsonld": None,
        "template": "entity.html.j2",
    }


def not_found_page(data: SiteData, base: str) -> dict[str, Any]:
    """Return the context of the 404 page.

    A server shows it in place of a missing page at any depth, so its links are
    root-relative: the path of the site's base (``/cndkg/`` for
    ``https://w3id.org/cndkg/``), where the site is published, as the sitemap says.
    """
    from urllib.parse import urlsplit

    root = urlsplit(base).path or "/"
    root += "" if root.endswith("/") else "/"
    context = common(data, "", "Not found")
    context.update(
        root=root, static=root + "static/", nav=[(root + name + "/", label) for name, label in NAV], path="404"
    )
    return context


def entity_page(data: SiteData, iri: str, path: str) -> dict[str, Any]:
    """Return the context of an entity's page."""
    context = common(data, path, data.label(iri))
    kind = data.kind(iri)
    context.update(
        iri=iri,
        kind=kind,
        alternates=[
            ("data.ttl", "text/turtle", "Turtle"),
            ("data.jsonld", "application/ld+json", "JSON-LD"),
            *([(AKN_FILE, AKN_MEDIA_TYPE, "Akoma Ntoso")] if iri in data.texts else []),
        ],
        facts=_facts(data, iri, path),
        backlinks=_backlinks(data, iri, path),
        jsonld=_schema_org(data, iri, kind),
        definition=data.first(iri, str(SKOS.definition)),
        lists=_related_lists(data, iri, path, kind),
    )
    text = data.texts.get(iri)
    if text is not None:
        context.update(_text_context(data, text, path))
        context["template"] = "resolution.html.j2"
        context["network"] = charts.citation_network(data, iri, path)
    return context


def _facts(data: SiteData, iri: str, path: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Return the key facts of an entity as (label, [(text, link)]) rows."""
    rows: list[tuple[str, list[tuple[str, str | None]]]] = []
    spec = (
        ("Symbol", DCTERMS.identifier, False),
        ("Title", DCTERMS.title, False),
        ("Adopted", ELI.date_document, False),
        ("Body", ELI.passed_by, True),
        ("Session", CNDKG.session, True),
        ("Agenda item", CNDKG.agendaItem, False),
        ("Agenda title", CNDKG.agendaTitle, False),
        ("Distributed", CNDKG.distributionDate, False),
        ("Sponsors", CNDKG.sponsor, True),
        ("Became resolution", CNDKG.becameResolution, True),
        ("Draft", CNDKG.draftOf, True),
        ("Session number", CNDKG.sessionNumber, False),
        ("Year", CNDKG.year, False),
        ("Code", SKOS.notation, False),
        ("Broader", SKOS.broader, True),
        ("Date", DCTERMS.date, False),
        ("Treaty Series", CNDKG.treatySeriesCitation, False),
        ("Adopted by", CNDKG.adoptedBy, True),
        ("Published in", CNDKG.publishedIn, True),
        ("Locator", CNDKG.locator, False),
        ("By", DCTERMS.creator, True),
    )
    for label, predicate, linked in spec:
        values = data.all(iri, str(predicate))
        if not values:
            continue
        if linked:
            rows.append((label, sorted(((data.label(v), data.href(path, v)) for v in values), key=lambda x: x[0])))
        else:
            rows.append((label, [(v, None) for v in values]))
    if data.first(iri, str(CNDKG.truncated)) == "true":
        rows.append(("Note", [("The source text ends before the resolution does (truncated).", None)]))
    return rows


def _backlinks(data: SiteData, iri: str, path: str) -> list[dict[str, Any]]:
    """Return who cites an entity, grouped by citing text: paragraph links with their cues."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for link in data.backlinks.get(iri, []):
        grouped[link.source].append(link)
    rows = []
    for source in sorted(grouped, key=lambda s: data.label(s)):
        seen: dict[str, Any] = {}
        for link in grouped[source]:
            seen.setdefault(link.eid, {"eid": link.eid, "cue": link.cue, "href": data.href(path, link.paragraph)})
        rows.append(
            {
                "label": data.label(source),
                "kind": data.kind(source),
                "href": data.href(path, source),
                "paragraphs": sorted(seen.values(), key=lambda p: _eid_order(p["eid"])),
            }
        )
    return rows


def _eid_order(eid: str) -> tuple[int, int, str]:
    """Sort key for eIds: preambular before operative, then by number."""
    head = eid.split("-", 1)[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    return (0 if head.startswith("pp") else 1, int(digits or 0), eid)


def _related_lists(data: SiteData, iri: str, path: str, kind: str) -> list[dict[str, Any]]:
    """Return the extra lists a page of this kind shows (a session's resolutions, a state's drafts ...)."""
    lists = []
    if kind == "Session":
        members = [s for s in data.inverse(_SESSION).get(iri, []) if s in data.texts]
        lists.append(_entity_list(data, path, "Resolutions and drafts of this session", members))
        all_documents = set(data.members(str(CNDKG.Document)))
        documents = [d for d in data.inverse(_SESSION).get(iri, []) if d in all_documents]
        lists.append(_entity_list(data, path, "Documents of this session", documents))
        due = list(data.inverse(_DUE_SESSION).get(iri, []))
        lists.append(_mandate_list(data, path, "Reports due at this session", due))
    if kind == "Member State":
        drafts = [d for d in data.inverse(_SPONSOR).get(iri, []) if d in data.texts]
        lists.append(_entity_list(data, path, "Drafts sponsored", drafts))
    return [item for item in lists if item["items"]]


def _entity_list(data: SiteData, path: str, title: str, iris: list[str]) -> dict[str, Any]:
    """Return a titled list of entity links, sorted by label."""
    items = sorted(
        ({"label": data.label(i), "href": data.href(path, i), "kind": data.kind(i)} for i in iris),
        key=lambda x: str(x["label"]),
    )
    return {"title": title, "items": items}


def _mandate_list(data: SiteData, path: str, title: str, mandates: list[str]) -> dict[str, Any]:
    """Return reporting mandates as links to the paragraphs that make them."""
    items = []
    for mandate in sorted(mandates):
        paragraph = data.first(mandate, str(CNDKG.mandatedBy)) or mandate
        text = paragraph.split("#", 1)[0]
        items.append(
            {
                "label": f"\u2068{data.label(text)}\u2069, paragraph {paragraph.rsplit('#', 1)[-1]}",
                "href": data.href(path, paragraph),
                "kind": data.first(mandate, str(CNDKG.text)) or "",
            }
        )
    return {"title": title, "items": items}


def _schema_org(data: SiteData, iri: str, kind: str) -> dict[str, Any]:
    """Return the schema.org description embedded in the page (Legislation for texts)."""
    node: dict[str, Any] = {"@context": SCHEMA_CONTEXT, "@id": iri, "name": data.label(iri)}
    if kind in _TEXT_KINDS or kind in ("Treaty", "Declaration"):
        node["@type"] = "Legislation"
        keys = (
            ("legislationIdentifier", DCTERMS.identifier),
            ("legislationDate", ELI.date_document),
            ("headline", DCTERMS.title),
        )
        for key, predicate in keys:
            value = data.first(iri, str(predicate))
            if value:
                node[key] = value
        body = data.first(iri, str(ELI.passed_by))
        if body:
            node["legislationPassedBy"] = {"@type": "Organization", "@id": body, "name": data.label(body)}
        node["legislationLegalForce"] = "NotInForce" if kind == "Draft resolution" else "InForce"
    elif kind == "Member State":
        node["@type"] = "Country"
    elif kind == "Session":
        node["@type"] = "Event"
    else:
        node["@type"] = "Thing"
    return node


def _text_context(data: SiteData, text: TextView, path: str) -> dict[str, Any]:
    """Return the full text of a resolution as pieces with links, footnotes and mandates."""
    spans: dict[str, list[tuple[int, int, str | None, str]]] = defaultdict(list)
    footnote_spans: dict[str, list[tuple[int, int, str | None, str]]] = defaultdict(list)
    for citation in text.citations:
        span = (citation.start, citation.end, data.href(path, citation.target), data.label(citation.target))
        if citation.footnote is None:
            spans[citation.eid].append(span)
        else:
            footnote_spans[citation.footnote].append(span)
    paragraphs = [_paragraph_view(p, spans) for p in text.paragraphs]
    backs = _number_markers(paragraphs)
    footnotes = [
        {
            "label": f.label,
            "anchor": _anchor(f.ident),
            "back": backs.get(_anchor(f.ident)),
            "pieces": text_pieces(f.text, _dedupe(footnote_spans[f.ident]), ()),
        }
        for f in text.footnotes
    ]
    mandates = [
        {
            "due": data.label(m.due_session),
            "due_href": data.href(path, m.due_session),
            "paragraph": m.paragraph.rsplit("#", 1)[-1],
            "phrase": m.phrase,
            "addressees": [(data.label(a), data.href(path, a)) for a in m.addressees],
        }
        for m in text.mandates
    ]
    return {
        "paragraphs": paragraphs,
        "footnotes": footnotes,
        "mandates": mandates,
        "record": text,
        "comparison": _comparison(data, text, path),
        "unresolved": [{"text": u.text, "line": u.line, "eid": u.eid} for u in text.unresolved],
    }


def _number_markers(paragraphs: list[dict[str, Any]]) -> dict[str, str]:
    """Give each footnote marker in the text an id (``fnref5``, ``fnref5-2`` when repeated); return anchor -> first id.

    The footnote links back to its first marker, as the marker links to the footnote.
    """
    seen: dict[str, int] = {}
    first: dict[str, str] = {}
    for paragraph in paragraphs:
        for pieces in (paragraph["pieces"], *(sub["pieces"] for sub in paragraph["subparagraphs"])):
            for piece in pieces:
                if piece["type"] != "marker":
                    continue
                anchor = piece["anchor"]
                seen[anchor] = seen.get(anchor, 0) + 1
                piece["id"] = "fnref" + anchor[2:] + ("" if seen[anchor] == 1 else f"-{seen[anchor]}")
                first.setdefault(anchor, piece["id"])
    return first


def _anchor(label: str) -> str:
    """Return the HTML id of a footnote (``fn5``; ``*`` becomes ``fn-star``)."""
    return "fn" + ("".join(ch for ch in label if ch.isalnum()) or "-star")


def _dedupe(spans: list[tuple[int, int, str | None, str]]) -> list[tuple[int, int, str | None, str]]:
    """Return spans sorted by start with overlaps removed (the first wins).

    Spans over the same words keep their citation order (a mention's own target before what it
    also cites, such as the document of an Official Records locator), never a set's hash order.
    """
    kept: list[tuple[int, int, str | None, str]] = []
    for span in sorted(dict.fromkeys(spans), key=lambda s: (s[0], -s[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _paragraph_view(
    paragraph: ParagraphView, spans: dict[str, list[tuple[int, int, str | None, str]]]
) -> dict[str, Any]:
    """Return one paragraph with its sub-paragraphs as pieces."""
    markers = tuple((m.offset, m.label) for m in paragraph.markers)
    subs = []
    for sub in paragraph.subparagraphs:
        subs.append(
            {
                "eid": sub.eid,
                "label": sub.label,
                "pieces": text_pieces(
                    sub.text, _dedupe(spans[sub.eid]), tuple((m.offset, m.label) for m in sub.markers)
                ),
            }
        )
    return {
        "eid": paragraph.eid,
        "kind": paragraph.kind,
        "number": paragraph.number,
        "cue": paragraph.cue,
        "line": paragraph.line,
        "pieces": text_pieces(
            paragraph.text,
            _dedupe(spans[paragraph.eid]),
            markers,
            len(paragraph.cue) if paragraph.cue and paragraph.text.startswith(paragraph.cue) else 0,
        ),
        "subparagraphs": subs,
    }


def text_pieces(
    text: str,
    spans: list[tuple[int, int, str | None, str]],
    markers: tuple[tuple[int, str], ...],
    cue_length: int = 0,
) -> list[dict[str, Any]]:
    """Split a text into pieces: plain text, links over citation spans, footnote markers.

    Takes the text, non-overlapping (start, end, href, title) spans,
    (offset, label) markers and the length of the cue phrase the text starts
    with (its pieces get ``cue: True``; the UN prints cues in italics).
    Returns pieces in order; concatenating the text of the text and link
    pieces gives back the text exactly.
    """
    marker_at: dict[int, list[str]] = defaultdict(list)
    for offset, label in markers:
        marker_at[min(max(offset, 0), len(text))].append(label)
    cue_cut = {cue_length} if 0 < cue_length <= len(text) else set()
    cuts = sorted({0, len(text), *cue_cut, *marker_at, *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    pieces: list[dict[str, Any]] = []
    for start, end in pairwise(cuts):
        pieces.extend(
            {"type": "marker", "label": label, "anchor": _anchor(label)} for label in marker_at.pop(start, [])
        )
        span = next((span for span in spans if span[0] <= start < span[1]), None)
        cue = start < cue_length
        if span is not None and span[2]:
            pieces.append({"type": "link", "text": text[start:end], "href": span[2], "title": span[3], "cue": cue})
        elif end > start:
            pieces.append({"type": "text", "text": text[start:end], "cue": cue})
    for offset in sorted(marker_at):
        pieces.extend({"type": "marker", "label": label, "anchor": _anchor(label)} for label in marker_at[offset])
    return pieces


def _comparison(data: SiteData, text: TextView, path: str) -> dict[str, Any] | None:
    """Return the draft/adopted counterpart and a paragraph-by-paragraph diff, if both texts are here."""
    iri = text.iri
    other = data.first(iri, str(CNDKG.becameResolution)) or data.first(iri, str(CNDKG.draftOf))
    if other is None or other not in data.texts:
        return None
    mine = {p.eid: p.text for p in text.paragraphs}
    theirs = {p.eid: p.text for p in data.texts[other].paragraphs}
    draft_first = data.first(iri, str(CNDKG.becameResolution)) is not None
    other_href = data.href(path, other)
    changes = []
    for eid in sorted(set(mine) | set(theirs), key=_eid_order):
        before, after = (
            (mine.get(eid, ""), theirs.get(eid, "")) if draft_first else (theirs.get(eid, ""), mine.get(eid, ""))
        )
        if before != after:
            href = f"#{eid}" if eid in mine else f"{other_href}#{eid}"
            changes.append({"eid": eid, "href": href, "words": word_diff(before, after)})
    return {
        "label": data.label(other),
        "href": other_href,
        "kind": data.kind(other),
        "changes": changes,
        "direction": "draft → adopted",
    }


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Return a word diff as (op, text) pairs with op in {"same", "del", "ins"}."""
    old, new = before.split(), after.split()
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", " ".join(old[i1:i2])))
        if tag in ("delete", "replace"):
            out.append(("del", " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            out.append(("ins", " ".join(new[j1:j2])))
    return out


def index_page(data: SiteData, name: str) -> dict[str, Any]:
    """Return the context of one index page (resolutions by session, treaties, SDG, states ...)."""
    titles = dict(NAV)
    context = common(data, name, titles[name])
    builders: dict[str, Callable[[SiteData, str], list[dict[str, Any]]]] = {
        "resolutions": _resolutions_by_session,
        "sessions": _sessions_index,
        "treaties": lambda d, p: _kind_sections(d, p, ("Treaty", "Declaration", "Standard or guideline")),
        "sdg": _sdg_index,
        "states": _states_index,
        "documents": lambda d, p: _kind_sections(d, p, ("Document",)),
    }
    context["sections"] = builders[name](data, name)
    context["chart"] = charts.session_timeline(data, name) if name == "resolutions" else None
    return context


def _resolutions_by_session(data: SiteData, path: str) -> list[dict[str, Any]]:
    """Return the texts in the corpus grouped by session, newest first (a timeline)."""
    by_session: dict[str, list[str]] = defaultdict(list)
    for iri in data.texts:
        by_session[data.first(iri, str(CNDKG.session)) or ""].append(iri)
    order = sorted(by_session, key=lambda s: -int(data.first(s, str(CNDKG.sessionNumber)) or 0) if s else 1)
    return [
        _entity_list(data, path, data.label(s) if s else "Session unknown", by_session[s])
        | {"href": data.href(path, s) if s else None}
        for s in order
    ]


def _sessions_index(data: SiteData, path: str) -> list[dict[str, Any]]:
    """Return sessions with how many texts and reports due each has."""
    sessions = [i for i, t in data.types.items() if str(CNDKG.Session) in t]
    due: dict[str, int] = defaultdict(int)
    for iri, types in data.types.items():
        if str(CNDKG.ReportingMandate) in types:
            due[data.first(iri, str(CNDKG.dueSession)) or ""] += 1
    texts: dict[str, int] = defaultdict(int)
    for iri in data.texts:
        texts[data.first(iri, str(CNDKG.session)) or ""] += 1
    items = [
        {
            "label": data.label(s),
            "href": data.href(path, s),
            "kind": f"{texts[s]} text(s) in the corpus, {due[s]} report(s) due",
        }
        # Sessions of one number (the Commission's and the Assembly's 67th) by label: the store's order varies.
        for s in sorted(sessions, key=lambda s: (-int(data.first(s, str(CNDKG.sessionNumber)) or 0), data.label(s)))
    ]
    return [{"title": "Sessions", "items": items, "href": None}]


def _kind_sections(data: SiteData, path: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Return one section per kind, each entity with how many texts cite it."""
    sections = []
    for kind in kinds:
        iris = [i for i in data.types if data.kind(i) == kind and data.page_of(i)]
        section = _entity_list(data, path, kind + "s", iris)
        for entry, iri in zip(section["items"], sorted(iris, key=data.label), strict=True):
            cited = len({b.source for b in data.backlinks.get(iri, [])})
            entry["kind"] = f"cited by {cited} text(s)" if cited else "not cited in the corpus"
        sections.append(section | {"href": None})
    return [s for s in sections if s["items"]]


def _sdg_index(data: SiteData, path: str) -> list[dict[str, Any]]:
    """Return SDG targets: those cited first, then every goal with its targets."""
    concepts = [i for i, t in data.types.items() if str(SKOS.Concept) in t and data.page_of(i)]
    cited = [c for c in concepts if c in data.backlinks]
    sections = [_entity_list(data, path, "Targets cited in the corpus", cited) | {"href": None}]
    sections.append(_entity_list(data, path, "All goals and targets", concepts) | {"href": None})
    for entry in sections[-1]["items"]:
        entry["kind"] = ""
    return [s for s in sections if s["items"]]


def _states_index(data: SiteData, path: str) -> list[dict[str, Any]]:
    """Return Member States with how many drafts each sponsored, sponsors first."""
    states = [i for i, t in data.types.items() if str(CNDKG.MemberState) in t]
    sponsored = data.inverse(_SPONSOR)
    counts = {s: sum(1 for d in sponsored.get(s, []) if d in data.texts) for s in states}
    items = [
        {
            "label": data.label(s),
            "href": data.href(path, s),
            "kind": f"sponsored {counts[s]} draft(s)" if counts[s] else "",
        }
        for s in sorted(states, key=lambda s: (-counts[s], data.label(s)))
    ]
    return [{"title": "Member States and observers", "items": items, "href": None}]
