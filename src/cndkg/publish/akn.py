"""Akoma Ntoso (AKN 3.0, as AKN4UN applies it to UN resolutions): ``data.akn.xml`` beside each text's page.

One ``<statement name="resolution">`` (``resolutionDraft`` for a draft) per
resolution, draft or fragment in the corpus: FRBR metadata minted by
:func:`cndkg.iris.akn_uris`, the body, session and sponsors as TLC
references (and in ``<proprietary>`` with the graph's IRIs), the title and
sponsors in the preface, the preambular paragraphs as ``<recital>`` and the
operative ones as numbered ``<paragraph>`` with ``<subparagraph>``. Every
``eId`` is the fragment of the paragraph's IRI in the graph (``pp3``,
``op2``, ``op2-a``, ``fn4``), so ``IRI = text IRI + "#" + eId``. Cue phrases
are ``<i>`` (the UN prints them in italics), every citation is a
``<ref href>`` to the cited entity's IRI at its place in the text, and
footnotes are ``<authorialNote>`` at their markers.

Everything comes from the graph: the text's
:class:`~cndkg.publish.textview.TextView` and the facts in :class:`SiteData`.

The XML is built with lxml, which escapes every text and attribute; characters
XML 1.0 cannot hold are replaced by U+FFFD. Same input, same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cndkg.iris import AknUris, akn_uris
from cndkg.namespaces import AKN_XML, CNDKG, DCTERMS, ELI
from cndkg.publish.sitedata import SiteData
from cndkg.publish.textview import FootnoteView, TextView

AKN_NAMESPACE = AKN_XML
AKN_MEDIA_TYPE = "application/akn+xml"
AKN_FILE = "data.akn.xml"
_AKN = f"{{{AKN_NAMESPACE}}}"
_CNDKG = f"{{{CNDKG._NS!s}}}"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def clean(text: str) -> str:
    """Return text with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append an AKN element with optional text and attributes (all escaped by lxml)."""
    element = etree.SubElement(parent, _AKN + tag, {k.rstrip("_"): clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _append_text(element: etree._Element, text: str) -> None:
    """Append text at the end of an element's content (its last child's tail, or its text)."""
    if not text:
        return
    text = clean(text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


@dataclass
class _Span:
    """An inline element over [start, end) of a text, with the spans nested inside it."""

    start: int
    end: int
    tag: str
    attrs: dict[str, str]
    children: list[_Span] = field(default_factory=list)


def _insert(node: _Span, span: _Span) -> None:
    """Insert a span under ``node``: inside a child that contains it, split where it crosses a child's edge."""
    for child in node.children:
        if child.start <= span.start and span.end <= child.end:
            _insert(child, span)
            return
        if span.start < child.start < span.end < child.end or child.start < span.start < child.end < span.end:
            cut = child.start if span.start < child.start else child.end
            _insert(node, _Span(span.start, cut, span.tag, dict(span.attrs)))
            _insert(node, _Span(cut, span.end, span.tag, dict(span.attrs)))
            return
    inside = [c for c in node.children if span.start <= c.start and c.end <= span.end]
    span.children.extend(inside)
    node.children = [c for c in node.children if c not in inside] + [span]
    node.children.sort(key=lambda c: (c.start, -c.end))


@dataclass
class _Notes:
    """The footnotes of one text: written once as ``<authorialNote>``, later markers as ``<noteRef>``."""

    writer: _TextWriter
    by_key: dict[str, FootnoteView]
    written: set[str] = field(default_factory=set)

    def marker(self, parent: etree._Element, label: str) -> None:
        """Write the footnote a marker points to, at the marker (or a reference to it when already written)."""
        note = self.by_key.get(label)
        if note is None:
            _el(parent, "sup", label)
            return
        eid = note.eid
        if eid in self.written:
            _el(parent, "noteRef", href=f"#{eid}", marker=note.label)
            return
        self.written.add(eid)
        element = _el(parent, "authorialNote", marker=note.label, placement="bottom", eId=eid)
        self.writer.block(element, note.text, self.writer.footnote_spans.get(note.ident, []), (), 0, None)


class _TextWriter:
    """Writes the text of one resolution: paragraphs with cues, citations and footnotes."""

    def __init__(self, text: TextView) -> None:
        self.text = text
        self.spans: dict[str, list[tuple[int, int, str]]] = {}
        self.footnote_spans: dict[str, list[tuple[int, int, str]]] = {}
        for citation in text.citations:
            if citation.footnote is None:
                self.spans.setdefault(citation.eid, []).append((citation.start, citation.end, citation.target))
            else:
                self.footnote_spans.setdefault(citation.footnote, []).append(
                    (citation.start, citation.end, citation.target)
                )
        footnotes = text.footnotes
        by_key = {f.label: f for f in reversed(footnotes)} | {f.ident: f for f in footnotes}
        self.notes = _Notes(self, by_key)

    def block(
        self,
        parent: etree._Element,
        text: str,
        spans: list[tuple[int, int, str]],
        markers: tuple[tuple[int, str], ...],
        cue_length: int,
        notes: _Notes | None,
    ) -> None:
        """Write one ``<p>`` of text under ``parent``: the cue in ``<i>``, citations as ``<ref>``, footnotes."""
        paragraph = _el(parent, "p")
        root = _Span(0, len(text), "p", {})
        if cue_length:
            _insert(root, _Span(0, cue_length, "i", {}))
        for start, end, target in sorted(set(spans)):
            if 0 <= start < end <= len(text):
                _insert(root, _Span(start, end, "ref", {"href": target}))
        at: dict[int, list[str]] = {}
        for offset, label in markers:
            at.setdefault(min(max(offset, 0), len(text)), []).append(label)
        self._render(paragraph, root, text, at, notes)
        for offset in sorted(at):  # markers past the end of the text
            for label in at[offset]:
                if notes is not None:
                    notes.marker(paragraph, label)

    def _render(
        self, element: etree._Element, node: _Span, text: str, at: dict[int, list[str]], notes: _Notes | None
    ) -> None:
        """Write a span's text and children into ``element``, with the footnote markers that fall inside it."""
        position = node.start
        for child in node.children:
            self._text(element, text, position, child.start, at, notes)
            inner = _el(element, child.tag, **child.attrs)
            self._render(inner, child, text, at, notes)
            position = child.end
        self._text(element, text, position, node.end, at, notes)

    def _text(
        self,
        element: etree._Element,
        text: str,
        start: int,
        end: int,
        at: dict[int, list[str]],
        notes: _Notes | None,
    ) -> None:
        """Write text[start:end] into ``element``, with the markers at offsets in [start, end)."""
        cuts = sorted(offset for offset in at if start <= offset < end)
        position = start
        for offset in cuts:
            _append_text(element, text[position:offset])
            for label in at.pop(offset):
                if notes is not None:
                    notes.marker(element, label)
            position = offset
        _append_text(element, text[position:end])


def _cue_length(text: str, cue: str) -> int:
    """Return how many characters at the start of a paragraph are its cue phrase (0 if it does not start so)."""
    return len(cue) if cue and text.startswith(cue) else 0


def _local_id(prefix: str, iri: str) -> str:
    """Return an eId for a TLC reference from the end of an IRI (``sponsor_ISR``)."""
    return prefix + "_" + _ID_UNSAFE.sub("_", iri.rstrip("/").rsplit("/", 1)[-1])


def _dates(data: SiteData, iri: str) -> tuple[str | None, str, str]:
    """Return (date for the IRI, xsd:date for FRBRdate, its name): adoption, distribution, session year, unknown."""
    for predicate, name in ((ELI.date_document, "adoption"), (CNDKG.distributionDate, "distribution")):
        value = data.first(iri, str(predicate))
        if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value, value, name
    session = data.first(iri, str(CNDKG.session))
    year = data.first(session, str(CNDKG.year)) if session else None
    if year and re.fullmatch(r"\d{4}", year):
        return year, f"{year}-01-01", "sessionYear"
    return None, "0001-01-01", "unknown"


def akn_document(data: SiteData, text: TextView) -> bytes:
    """Return the Akoma Ntoso XML of one resolution, draft or fragment (UTF-8, with an XML declaration)."""
    iri = text.iri
    date, xsd_date, date_name = _dates(data, iri)
    uris = akn_uris(data.minter, iri, date)
    root = etree.Element(_AKN + "akomaNtoso", nsmap={None: AKN_NAMESPACE, "cndkg": str(CNDKG._NS)})
    statement = _el(root, "statement", name=uris.name)
    body_iri = data.first(iri, str(ELI.passed_by))
    body_id = _local_id("body", body_iri) if body_iri else "cndkg"
    _meta(statement, data, iri, uris, (xsd_date, date_name), body_id)
    _preface(statement, data, text)
    writer = _TextWriter(text)
    preambular = [p for p in text.paragraphs if p.kind == "preambular"]
    operative = [p for p in text.paragraphs if p.kind != "preambular"]
    if text.body or preambular:
        preamble = _el(statement, "preamble")
        if text.body:
            formula = _el(preamble, "formula", name="enactingFormula")
            _el(formula, "p", f"The {text.body},")
        if preambular:
            recitals = _el(preamble, "recitals")
            for paragraph in preambular:
                recital = _el(recitals, "recital", eId=paragraph.eid)
                markers = tuple((m.offset, m.label) for m in paragraph.markers)
                cue = _cue_length(paragraph.text, paragraph.cue)
                writer.block(recital, paragraph.text, writer.spans.get(paragraph.eid, []), markers, cue, writer.notes)
    main = _el(statement, "mainBody")
    for paragraph in operative:
        element = _el(main, "paragraph", eId=paragraph.eid)
        _el(element, "num", f"{paragraph.number}." if paragraph.number is not None else "")
        markers = tuple((m.offset, m.label) for m in paragraph.markers)
        cue = _cue_length(paragraph.text, paragraph.cue)
        spans = writer.spans.get(paragraph.eid, [])
        if not paragraph.subparagraphs:
            writer.block(_el(element, "content"), paragraph.text, spans, markers, cue, writer.notes)
            continue
        writer.block(_el(element, "intro"), paragraph.text, spans, markers, cue, writer.notes)
        for sub in paragraph.subparagraphs:
            child = _el(element, "subparagraph", eId=sub.eid)
            _el(child, "num", sub.label)
            sub_markers = tuple((m.offset, m.label) for m in sub.markers)
            writer.block(_el(child, "content"), sub.text, writer.spans.get(sub.eid, []), sub_markers, 0, writer.notes)
    if not operative:
        _el(main, "p")
    _orphan_notes(statement, writer)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _meta(
    statement: etree._Element,
    data: SiteData,
    iri: str,
    uris: AknUris,
    date: tuple[str, str],
    body_id: str,
) -> None:
    """Write ``<meta>``: FRBR identification, TLC references (body, session, sponsors), cndkg's own terms."""
    meta = _el(statement, "meta")
    identification = _el(meta, "identification", source="#cndkg")
    work = _el(identification, "FRBRWork")
    _el(work, "FRBRthis", value=uris.work_this)
    _el(work, "FRBRuri", value=uris.work)
    _el(work, "FRBRalias", value=iri, name="cndkg")
    symbol = data.first(iri, str(DCTERMS.identifier))
    if symbol:
        _el(work, "FRBRalias", value=symbol, name="symbol")
    _el(work, "FRBRdate", date=date[0], name=date[1])
    _el(work, "FRBRauthor", href=f"#{body_id}")
    _el(work, "FRBRcountry", value="un")
    _el(work, "FRBRsubtype", value="deliberation")
    _el(work, "FRBRnumber", value=symbol or uris.number)
    _el(work, "FRBRname", value=uris.name)
    expression = _el(identification, "FRBRExpression")
    _el(expression, "FRBRthis", value=uris.expression_this)
    _el(expression, "FRBRuri", value=uris.expression)
    _el(expression, "FRBRdate", date=date[0], name=date[1])
    _el(expression, "FRBRauthor", href=f"#{body_id}")
    _el(expression, "FRBRlanguage", language="eng")
    manifestation = _el(identification, "FRBRManifestation")
    _el(manifestation, "FRBRthis", value=uris.manifestation_this)
    _el(manifestation, "FRBRuri", value=uris.manifestation)
    _el(manifestation, "FRBRdate", date=date[0], name=date[1])
    _el(manifestation, "FRBRauthor", href="#cndkg")
    _el(manifestation, "FRBRformat", value=AKN_MEDIA_TYPE)
    references = _el(meta, "references", source="#cndkg")
    _el(references, "TLCOrganization", eId="cndkg", href=data.minter.base, showAs="cndkg")
    body_iri = data.first(iri, str(ELI.passed_by))
    if body_iri:
        _el(references, "TLCOrganization", eId=body_id, href=body_iri, showAs=data.label(body_iri))
    session = data.first(iri, str(CNDKG.session))
    if session:
        _el(references, "TLCEvent", eId=_local_id("session", session), href=session, showAs=data.label(session))
    sponsors = data.all(iri, str(CNDKG.sponsor))
    for sponsor in sponsors:
        _el(references, "TLCOrganization", eId=_local_id("sponsor", sponsor), href=sponsor, showAs=data.label(sponsor))
    if sponsors:
        _el(references, "TLCRole", eId="sponsor", href=str(CNDKG.sponsor), showAs="Sponsor")
    proprietary = _el(meta, "proprietary", source="#cndkg")
    if session:
        etree.SubElement(proprietary, _CNDKG + "session", href=session)
    for sponsor in sponsors:
        etree.SubElement(proprietary, _CNDKG + "sponsor", href=sponsor)
    for key, predicate in (("agendaItem", CNDKG.agendaItem), ("agendaTitle", CNDKG.agendaTitle)):
        value = data.first(iri, str(predicate))
        if value:
            etree.SubElement(proprietary, _CNDKG + key).text = clean(value)


def _preface(statement: etree._Element, data: SiteData, text: TextView) -> None:
    """Write ``<preface>``: symbol, session, title and sponsors as the text prints them."""
    iri = text.iri
    preface = _el(statement, "preface")
    symbol = data.first(iri, str(DCTERMS.identifier))
    if symbol:
        line = _el(preface, "p")
        _append_text(line, "Resolution " if text.kind == "adopted" else "")
        _el(line, "docNumber", symbol)
    session = data.first(iri, str(CNDKG.session))
    number = data.first(session, str(CNDKG.sessionNumber)) if session else None
    if session and number:
        _el(
            _el(preface, "p"),
            "session",
            data.label(session),
            value=number,
            refersTo="#" + _local_id("session", session),
        )
    title = text.title
    if title:
        _el(_el(preface, "p"), "docTitle", title)
    sponsors = data.all(iri, str(CNDKG.sponsor))
    if sponsors:
        line = _el(preface, "p")
        _append_text(line, "Sponsors: ")
        for index, sponsor in enumerate(sponsors):
            if index:
                _append_text(line, ", ")
            _el(line, "docProponent", data.label(sponsor), refersTo="#" + _local_id("sponsor", sponsor), as_="#sponsor")
    if not len(preface):
        _el(preface, "p", data.label(iri))


def _orphan_notes(statement: etree._Element, writer: _TextWriter) -> None:
    """Put the footnotes no marker points to in ``<meta><notes>``, so no footnote is lost."""
    left = [f for f in writer.text.footnotes if f.eid not in writer.notes.written]
    if not left:
        return
    meta = statement.find(_AKN + "meta")
    assert meta is not None
    notes = etree.Element(_AKN + "notes", source="#cndkg")
    meta.find(_AKN + "proprietary").addprevious(notes)
    for footnote in left:
        eid = footnote.eid
        if eid in writer.notes.written:
            continue
        writer.notes.written.add(eid)
        note = _el(notes, "note", eId=eid, marker=footnote.label)
        writer.block(note, footnote.text, writer.footnote_spans.get(footnote.ident, []), (), 0, None)


def write_akn(folder: Path, data: SiteData, iri: str, path: str) -> bool:
    """Write ``data.akn.xml`` into a text's page folder, which must exist; False when the entity is not a text."""
    text = data.texts.get(iri)
    if text is None:
        return False
    target = folder / path / AKN_FILE
    target.unlink(missing_ok=True)  # never write through a link into the previous output
    target.write_bytes(akn_document(data, text))
    return True
