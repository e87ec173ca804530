"""Stage 6, validate: the SHACL shapes themselves, DASH-style.

Every case starts from ``VALID``, a small graph shaped like the real one (one
adopted resolution with a preambular and an operative paragraph, a sub-paragraph,
a citation, a reporting mandate, a draft, a fragment and the reference data they
point to), applies one breaking edit (a SPARQL Update, or the shorthand "-", "+ v",
"= v" on the row's focus node and path) and names the violation it must cause:
``(case id, edit, focus node, result path, constraint component)``.
The case id starts with the shape whose ``sh:message`` the violation must carry.
A coverage test checks that the table exercises every constraint of every
targeted shape in ``shapes/``.
"""

from __future__ import annotations

import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Namespace
from rdflib.term import Node

from cndkg.graph import build_graph
from cndkg.namespaces import PREFIXES, RDF, SH
from cndkg.pipeline import run_pipeline
from cndkg.registry import Registry
from cndkg.resources import data_dir
from cndkg.validate import format_report, load_shapes, validate_graph

from .conftest import ROOT

ID = "https://w3id.org/cndkg/id/"
CNDKGSH = Namespace("https://w3id.org/cndkg/shapes#")
PROLOGUE = f"BASE <{ID}>\n" + "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())

VALID = f"""
@base <{ID}> .
@prefix cndkg: <https://w3id.org/cndkg/ontology#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix sdg: <http://metadata.un.org/sdg/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<source/seed.txt> a cndkg:SourceFile ; dcterms:identifier "seed.txt" ; skos:prefLabel "seed.txt" .

<body/cnd> a cndkg:Body ; skos:prefLabel "Commission on Narcotic Drugs"@en .
<body/unodc> a cndkg:Body ; skos:prefLabel "United Nations Office on Drugs and Crime"@en .
<session/cnd/57> a cndkg:Session ; cndkg:sessionNumber 57 ; cndkg:year 2014 ;
    skos:prefLabel "Commission on Narcotic Drugs, 57th session"@en .
<session/cnd/59> a cndkg:Session ; cndkg:sessionNumber 59 ; cndkg:year 2016 ;
    skos:prefLabel "Commission on Narcotic Drugs, 59th session"@en .
<state/DEU> a cndkg:MemberState ; skos:notation "DEU" ; skos:prefLabel "Germany"@en .
<treaty/1961-single-convention> a cndkg:Treaty ; cndkg:treatySeriesCitation "520/7515" ;
    skos:prefLabel "Single Convention on Narcotic Drugs of 1961"@en .
sdg:3.5 a skos:Concept ; skos:notation "3.5" ; skos:prefLabel "SDG target 3.5"@en .
<declaration/2019-ministerial-declaration> a cndkg:Declaration ; skos:prefLabel "2019 Ministerial Declaration"@en .
<standard/treatment-standards> a cndkg:Standard ;
    skos:prefLabel "International Standards for the Treatment of Drug Use Disorders"@en .
<doc/E-CN.7-2014-L.9> a cndkg:Document ; dcterms:identifier "E/CN.7/2014/L.9" ; skos:prefLabel "E/CN.7/2014/L.9" .
<dec/cnd/57/1> a cndkg:Decision ; dcterms:identifier "57/1" ; eli:passed_by <body/cnd> ;
    skos:prefLabel "Commission on Narcotic Drugs decision 57/1"@en .

<res/cnd/57/4> a cndkg:Resolution ;
    dcterms:identifier "57/4" ;
    dcterms:title "Supporting recovery from substance use disorders"@en ;
    eli:date_document "2014-03-21"^^xsd:date ;
    eli:passed_by <body/cnd> ;
    cndkg:session <session/cnd/57> ;
    skos:prefLabel "Commission on Narcotic Drugs resolution 57/4"@en ;
    prov:wasDerivedFrom <source/seed.txt> ;
    cndkg:sourceLine 1 ;
    eli:has_part <res/cnd/57/4#pp1> , <res/cnd/57/4#op1> .

<res/cnd/57/4#pp1> a cndkg:PreambularParagraph ;
    eli:is_part_of <res/cnd/57/4> ;
    cndkg:position 1 ;
    cndkg:cue "Recalling" ;
    cndkg:text "Recalling the Single Convention on Narcotic Drugs of 1961 and target 3.5 of the Goals," ;
    cndkg:sourceLine 30 ;
    eli:cites <treaty/1961-single-convention> , sdg:3.5 ;
    cndkg:recalls <treaty/1961-single-convention> , sdg:3.5 ;
    eli:is_about sdg:3.5 .

<res/cnd/57/4#pp1-cit1> a cndkg:Citation ;
    cndkg:citingParagraph <res/cnd/57/4#pp1> ;
    cndkg:target <treaty/1961-single-convention> ;
    cndkg:matchedText "Single Convention on Narcotic Drugs of 1961" ;
    cndkg:sourceFile <source/seed.txt> ;
    cndkg:startOffset 14 ;
    cndkg:endOffset 57 ;
    cndkg:sourceLine 30 .

<res/cnd/57/4#op1> a cndkg:OperativeParagraph ;
    eli:is_part_of <res/cnd/57/4> ;
    cndkg:position 1 ;
    cndkg:number 1 ;
    cndkg:cue "Requests" ;
    cndkg:text "Requests the Office to report to the Commission at its fifty-ninth session on:" ;
    cndkg:sourceLine 34 ;
    cndkg:addressee <body/unodc> ;
    eli:has_part <res/cnd/57/4#op1-a> .

<res/cnd/57/4#op1-a> a cndkg:SubParagraph ;
    eli:is_part_of <res/cnd/57/4#op1> ;
    cndkg:position 1 ;
    cndkg:label "(a)" ;
    cndkg:text "the implementation of the present resolution." ;
    cndkg:sourceLine 35 .

<res/cnd/57/4#op1> cndkg:footnoteMarker <res/cnd/57/4#op1-fnref1> .
<res/cnd/57/4#op1-fnref1> a cndkg:FootnoteMarker ; cndkg:label "1" ; cndkg:startOffset 12 ; cndkg:order 1 .
<res/cnd/57/4#op1-unresolved1> a cndkg:UnresolvedMention ;
    cndkg:inParagraph <res/cnd/57/4#op1> ; cndkg:matchedText "resolution 99/99" ; cndkg:sourceLine 34 ;
    cndkg:order 1 .
<res/cnd/57/4#op1-addressee1> a cndkg:AddresseeMention ;
    cndkg:inParagraph <res/cnd/57/4#op1> ; cndkg:addressee <body/unodc> ;
    cndkg:matchedText "the Office" ; cndkg:sourceLine 34 ; cndkg:order 1 .
<res/cnd/57/4> cndkg:footnote <res/cnd/57/4#fn1> .
<res/cnd/57/4#fn1> a cndkg:Footnote ;
    cndkg:label "1" ;
    cndkg:text "Official Records of the Economic and Social Council, 2014, Supplement No. 8 (E/2014/28)." ;
    cndkg:sourceLine 40 .

<res/cnd/57/4#op1-mandate1> a cndkg:ReportingMandate ;
    cndkg:mandatedBy <res/cnd/57/4#op1> ;
    cndkg:dueSession <session/cnd/59> ;
    cndkg:addressee <body/unodc> ;
    cndkg:text "to report to the Commission at its fifty-ninth session" ;
    cndkg:sourceLine 34 .

<draft/cnd/57/supporting-recovery-from-substance-use-disorders> a cndkg:DraftResolution ;
    dcterms:title "Supporting recovery from substance use disorders"@en ;
    cndkg:session <session/cnd/57> ;
    cndkg:sponsor <state/DEU> ;
    cndkg:agendaItem "3" ;
    cndkg:distributionDate "2014-03-10"^^xsd:date ;
    cndkg:becameResolution <res/cnd/57/4> ;
    prov:wasDerivedFrom <source/seed.txt> ;
    skos:prefLabel "Draft resolution: Supporting recovery from substance use disorders (57th session)"@en .

<fragment/3f2a9c0d1e4b-1> a cndkg:ResolutionFragment ;
    prov:wasDerivedFrom <source/seed.txt> ;
    skos:prefLabel "Fragment of a resolution (one paragraph) in seed.txt"@en ;
    eli:has_part <fragment/3f2a9c0d1e4b-1#op5> .

<fragment/3f2a9c0d1e4b-1#op5> a cndkg:OperativeParagraph ;
    eli:is_part_of <fragment/3f2a9c0d1e4b-1> ;
    cndkg:position 1 ;
    cndkg:number 5 ;
    cndkg:cue "Decides" ;
    cndkg:text "Decides to remain seized of the matter." ;
    cndkg:sourceLine 3 .
"""

# the entities of VALID, as SPARQL terms
RES = "<res/cnd/57/4>"
PP = "<res/cnd/57/4#pp1>"
OP = "<res/cnd/57/4#op1>"
SUB = "<res/cnd/57/4#op1-a>"
NOTE = "<res/cnd/57/4#fn1>"
MARKER = "<res/cnd/57/4#op1-fnref1>"
UNRESOLVED = "<res/cnd/57/4#op1-unresolved1>"
ADDRESSEE = "<res/cnd/57/4#op1-addressee1>"
CIT = "<res/cnd/57/4#pp1-cit1>"
MANDATE = "<res/cnd/57/4#op1-mandate1>"
DRAFT = "<draft/cnd/57/supporting-recovery-from-substance-use-disorders>"
FRAGMENT = "<fragment/3f2a9c0d1e4b-1>"
SOURCE = "<source/seed.txt>"
CND = "<body/cnd>"
UNODC = "<body/unodc>"
SESSION = "<session/cnd/57>"
SESSION_59 = "<session/cnd/59>"
STATE = "<state/DEU>"
TREATY = "<treaty/1961-single-convention>"
SDG = "sdg:3.5"
DECLARATION = "<declaration/2019-ministerial-declaration>"
STANDARD = "<standard/treatment-standards>"
DOCUMENT = "<doc/E-CN.7-2014-L.9>"
DECISION = "<dec/cnd/57/1>"
NOBODY = "<res/cnd/56/1>"  # an IRI that nothing in VALID describes


def drop(subject: str, predicate: str) -> str:
    """Remove every value of a property."""
    return f"DELETE WHERE {{ {subject} {predicate} ?old }}"


def add(subject: str, predicate: str, value: str) -> str:
    """Add one more value."""
    return f"INSERT DATA {{ {subject} {predicate} {value} }}"


def put(subject: str, predicate: str, value: str) -> str:
    """Replace every value of a property with one value."""
    return f"{drop(subject, predicate)} ;\n{add(subject, predicate, value)}"


def also(*edits: str) -> str:
    """Apply several edits in turn."""
    return " ;\n".join(edits)


# a cited IRI that has a label but no type
CITE_UNTYPED = also(add(PP, "eli:cites", NOBODY), add(NOBODY, "skos:prefLabel", '"resolution 56/1"'))

# One row per case: (case id "{shape}-{what is wrong}", edit, focus node, result path, constraint component).
# The edit applies to the focus node's property on the path: "-" removes every value, "+ v" adds the value v,
# "= v" replaces every value with v (v in SPARQL syntax); a full SPARQL Update (drop/add/put/also) edits anything.
CASES = [
    ("ResolutionShape-identifier-missing", "-", RES, "dcterms:identifier", "MinCount"),
    ("ResolutionShape-two-identifiers", '+ "57/5"', RES, "dcterms:identifier", "MaxCount"),
    ("ResolutionShape-identifier-with-language", '= "57/4"@en', RES, "dcterms:identifier", "Datatype"),
    ("ResolutionShape-identifier-bad-pattern", '= "57-4"', RES, "dcterms:identifier", "Pattern"),
    ("ResolutionShape-two-titles", '+ "Recovery"@en', RES, "dcterms:title", "MaxCount"),
    ("ResolutionShape-two-dates", '+ "2014-03-20"^^xsd:date', RES, "eli:date_document", "MaxCount"),
    ("ResolutionShape-date-ill-typed", '= "2014-13-45"^^xsd:date', RES, "eli:date_document", "Datatype"),
    ("ResolutionShape-date-plain-string", '= "2014-03-21"', RES, "eli:date_document", "Datatype"),
    ("ResolutionShape-passed-by-missing", "-", RES, "eli:passed_by", "MinCount"),
    ("ResolutionShape-passed-by-two-bodies", "+ " + UNODC, RES, "eli:passed_by", "MaxCount"),
    ("ResolutionShape-passed-by-not-a-body", "= " + STATE, RES, "eli:passed_by", "Class"),
    ("ResolutionShape-two-sessions", "+ " + SESSION_59, RES, "cndkg:session", "MaxCount"),
    ("ResolutionShape-session-not-a-session", "= " + CND, RES, "cndkg:session", "Class"),
    ("ResolutionShape-label-missing", "-", RES, "skos:prefLabel", "MinCount"),
    # a text is identified by its title, or by its printed symbol where its source prints no title
    (
        "TextShape-resolution-with-paragraphs-untitled-unnumbered",
        f"{drop(RES, 'dcterms:title')} ;\n{drop(RES, 'dcterms:identifier')}",
        RES,
        "",
        "Or",
    ),
    (
        "TextShape-resolution-with-paragraphs-two-titles-unnumbered",
        f"{add(RES, 'dcterms:title', chr(34) + 'Recovery' + chr(34) + '@en')} ;\n{drop(RES, 'dcterms:identifier')}",
        RES,
        "",
        "Or",
    ),
    ("SourcedShape-draft-without-source", "-", DRAFT, "prov:wasDerivedFrom", "MinCount"),
    ("SourcedShape-fragment-without-source", "-", FRAGMENT, "prov:wasDerivedFrom", "MinCount"),
    ("DraftShape-title-missing", "-", DRAFT, "dcterms:title", "MinCount"),
    ("DraftShape-two-titles", '+ "Recovery"@en', DRAFT, "dcterms:title", "MaxCount"),
    ("DraftShape-two-sessions", "+ " + SESSION_59, DRAFT, "cndkg:session", "MaxCount"),
    ("DraftShape-session-not-a-session", "= " + CND, DRAFT, "cndkg:session", "Class"),
    ("DraftShape-sponsor-not-a-member-state", "+ " + CND, DRAFT, "cndkg:sponsor", "Class"),
    ("DraftShape-two-agenda-items", '+ "4"', DRAFT, "cndkg:agendaItem", "MaxCount"),
    ("DraftShape-agenda-item-a-number", "= 3", DRAFT, "cndkg:agendaItem", "Datatype"),
    ("DraftShape-two-distribution-dates", '+ "2014-03-11"^^xsd:date', DRAFT, "cndkg:distributionDate", "MaxCount"),
    ("DraftShape-distribution-date-as-words", '= "10 March 2014"', DRAFT, "cndkg:distributionDate", "Datatype"),
    ("DraftShape-became-two-resolutions", "+ " + NOBODY, DRAFT, "cndkg:becameResolution", "MaxCount"),
    ("DraftShape-became-a-non-resolution", "= " + DOCUMENT, DRAFT, "cndkg:becameResolution", "Class"),
    ("ParagraphShape-position-missing", "-", PP, "cndkg:position", "MinCount"),
    ("ParagraphShape-two-positions", "+ 2", PP, "cndkg:position", "MaxCount"),
    ("ParagraphShape-position-a-string", '= "1"', PP, "cndkg:position", "Datatype"),
    ("ParagraphShape-position-0", "= 0", PP, "cndkg:position", "MinInclusive"),
    ("ParagraphShape-cue-missing", "-", PP, "cndkg:cue", "MinCount"),
    ("ParagraphShape-two-cues", '+ "Recalling also"', PP, "cndkg:cue", "MaxCount"),
    ("ParagraphShape-cue-with-language", '= "Recalling"@en', PP, "cndkg:cue", "Datatype"),
    ("ParagraphShape-cue-empty", '= ""', PP, "cndkg:cue", "MinLength"),
    ("ParagraphShape-text-missing", "-", OP, "cndkg:text", "MinCount"),
    ("ParagraphShape-two-texts", '+ "Requests also"', OP, "cndkg:text", "MaxCount"),
    ("ParagraphShape-text-with-language", '= "Requests"@en', OP, "cndkg:text", "Datatype"),
    ("ParagraphShape-text-empty", '= ""', OP, "cndkg:text", "MinLength"),
    ("ParagraphShape-part-of-nothing", "-", PP, "eli:is_part_of", "MinCount"),
    ("ParagraphShape-part-of-resolution-and-draft", "+ " + DRAFT, PP, "eli:is_part_of", "MaxCount"),
    ("ParagraphShape-part-of-a-body", "= " + CND, PP, "eli:is_part_of", "Or"),
    ("ParagraphShape-source-line-missing", "-", PP, "cndkg:sourceLine", "MinCount"),
    ("ParagraphShape-two-source-lines", "+ 31", PP, "cndkg:sourceLine", "MaxCount"),
    ("ParagraphShape-source-line-a-string", '= "30"', PP, "cndkg:sourceLine", "Datatype"),
    ("ParagraphShape-source-line-0", "= 0", PP, "cndkg:sourceLine", "MinInclusive"),
    ("ParagraphShape-addressee-not-a-body", "= " + STATE, OP, "cndkg:addressee", "Class"),
    ("OperativeParagraphShape-two-numbers", "+ 2", OP, "cndkg:number", "MaxCount"),
    ("OperativeParagraphShape-number-x", '= "x"', OP, "cndkg:number", "Datatype"),
    ("OperativeParagraphShape-number-0", "= 0", OP, "cndkg:number", "MinInclusive"),
    ("SubParagraphShape-part-of-nothing", "-", SUB, "eli:is_part_of", "MinCount"),
    ("SubParagraphShape-part-of-two-paragraphs", "+ " + PP, SUB, "eli:is_part_of", "MaxCount"),
    ("SubParagraphShape-part-of-a-resolution", "= " + RES, SUB, "eli:is_part_of", "Or"),
    ("SubParagraphShape-label-missing", "-", SUB, "cndkg:label", "MinCount"),
    ("SubParagraphShape-two-labels", '+ "(b)"', SUB, "cndkg:label", "MaxCount"),
    ("SubParagraphShape-text-missing", "-", SUB, "cndkg:text", "MinCount"),
    ("SubParagraphShape-two-texts", '+ "the rest"', SUB, "cndkg:text", "MaxCount"),
    ("SubParagraphShape-text-with-language", '= "the rest"@en', SUB, "cndkg:text", "Datatype"),
    ("FootnoteShape-label-missing", "-", NOTE, "cndkg:label", "MinCount"),
    ("FootnoteShape-two-labels", '+ "2"', NOTE, "cndkg:label", "MaxCount"),
    ("FootnoteShape-label-a-number", "= 1", NOTE, "cndkg:label", "Datatype"),
    ("FootnoteShape-text-missing", "-", NOTE, "cndkg:text", "MinCount"),
    ("FootnoteShape-two-texts", '+ "Ibid."', NOTE, "cndkg:text", "MaxCount"),
    ("FootnoteShape-text-with-language", '= "Ibid."@en', NOTE, "cndkg:text", "Datatype"),
    ("FootnoteShape-line-missing", "-", NOTE, "cndkg:sourceLine", "MinCount"),
    ("FootnoteShape-two-lines", "+ 41", NOTE, "cndkg:sourceLine", "MaxCount"),
    ("FootnoteShape-line-as-text", '= "40"', NOTE, "cndkg:sourceLine", "Datatype"),
    ("FootnoteMarkerShape-label-missing", "-", MARKER, "cndkg:label", "MinCount"),
    ("FootnoteMarkerShape-two-labels", '+ "2"', MARKER, "cndkg:label", "MaxCount"),
    ("FootnoteMarkerShape-label-a-number", "= 1", MARKER, "cndkg:label", "Datatype"),
    ("FootnoteMarkerShape-offset-missing", "-", MARKER, "cndkg:startOffset", "MinCount"),
    ("FootnoteMarkerShape-two-offsets", "+ 13", MARKER, "cndkg:startOffset", "MaxCount"),
    ("FootnoteMarkerShape-offset-as-text", '= "12"', MARKER, "cndkg:startOffset", "Datatype"),
    ("FootnoteMarkerShape-order-missing", "-", MARKER, "cndkg:order", "MinCount"),
    ("FootnoteMarkerShape-two-orders", "+ 2", MARKER, "cndkg:order", "MaxCount"),
    ("FootnoteMarkerShape-order-as-text", '= "1"', MARKER, "cndkg:order", "Datatype"),
    ("UnresolvedMentionShape-no-paragraph", "-", UNRESOLVED, "cndkg:inParagraph", "MinCount"),
    ("UnresolvedMentionShape-two-paragraphs", "+ " + PP, UNRESOLVED, "cndkg:inParagraph", "MaxCount"),
    ("UnresolvedMentionShape-held-by-a-resolution", "= " + RES, UNRESOLVED, "cndkg:inParagraph", "Or"),
    ("UnresolvedMentionShape-words-missing", "-", UNRESOLVED, "cndkg:matchedText", "MinCount"),
    ("UnresolvedMentionShape-two-words", '+ "99/98"', UNRESOLVED, "cndkg:matchedText", "MaxCount"),
    ("UnresolvedMentionShape-words-tagged", '= "99/99"@en', UNRESOLVED, "cndkg:matchedText", "Datatype"),
    ("UnresolvedMentionShape-words-empty", '= ""', UNRESOLVED, "cndkg:matchedText", "MinLength"),
    ("UnresolvedMentionShape-line-missing", "-", UNRESOLVED, "cndkg:sourceLine", "MinCount"),
    ("UnresolvedMentionShape-two-lines", "+ 35", UNRESOLVED, "cndkg:sourceLine", "MaxCount"),
    ("UnresolvedMentionShape-line-as-text", '= "34"', UNRESOLVED, "cndkg:sourceLine", "Datatype"),
    ("UnresolvedMentionShape-order-missing", "-", UNRESOLVED, "cndkg:order", "MinCount"),
    ("UnresolvedMentionShape-two-orders", "+ 2", UNRESOLVED, "cndkg:order", "MaxCount"),
    ("UnresolvedMentionShape-order-as-text", '= "1"', UNRESOLVED, "cndkg:order", "Datatype"),
    ("AddresseeMentionShape-no-paragraph", "-", ADDRESSEE, "cndkg:inParagraph", "MinCount"),
    ("AddresseeMentionShape-two-paragraphs", "+ " + SUB, ADDRESSEE, "cndkg:inParagraph", "MaxCount"),
    ("AddresseeMentionShape-in-a-preamble", "= " + PP, ADDRESSEE, "cndkg:inParagraph", "Or"),
    ("AddresseeMentionShape-no-body", "-", ADDRESSEE, "cndkg:addressee", "MinCount"),
    ("AddresseeMentionShape-two-bodies", "+ " + CND, ADDRESSEE, "cndkg:addressee", "MaxCount"),
    ("AddresseeMentionShape-not-a-body", "= " + STATE, ADDRESSEE, "cndkg:addressee", "Class"),
    ("AddresseeMentionShape-words-missing", "-", ADDRESSEE, "cndkg:matchedText", "MinCount"),
    ("AddresseeMentionShape-two-words", '+ "UNODC"', ADDRESSEE, "cndkg:matchedText", "MaxCount"),
    ("AddresseeMentionShape-words-tagged", '= "the Office"@en', ADDRESSEE, "cndkg:matchedText", "Datatype"),
    ("AddresseeMentionShape-words-empty", '= ""', ADDRESSEE, "cndkg:matchedText", "MinLength"),
    ("AddresseeMentionShape-line-missing", "-", ADDRESSEE, "cndkg:sourceLine", "MinCount"),
    ("AddresseeMentionShape-two-lines", "+ 35", ADDRESSEE, "cndkg:sourceLine", "MaxCount"),
    ("AddresseeMentionShape-line-as-text", '= "34"', ADDRESSEE, "cndkg:sourceLine", "Datatype"),
    ("AddresseeMentionShape-order-missing", "-", ADDRESSEE, "cndkg:order", "MinCount"),
    ("AddresseeMentionShape-two-orders", "+ 2", ADDRESSEE, "cndkg:order", "MaxCount"),
    ("AddresseeMentionShape-order-as-text", '= "1"', ADDRESSEE, "cndkg:order", "Datatype"),
    ("CitesShape-target-a-literal", '+ "resolution 56/1"', PP, "eli:cites", "NodeKind"),
    ("CitesShape-target-undescribed", "+ " + NOBODY, PP, "eli:cites", "Node"),
    ("CitesShape-target-without-type", CITE_UNTYPED, PP, "eli:cites", "Node"),
    ("CitesShape-target-without-label", drop(TREATY, "skos:prefLabel"), PP, "eli:cites", "Node"),
    ("CitationShape-citing-paragraph-missing", "-", CIT, "cndkg:citingParagraph", "MinCount"),
    ("CitationShape-two-citing-paragraphs", "+ " + OP, CIT, "cndkg:citingParagraph", "MaxCount"),
    ("CitationShape-citing-a-resolution", "= " + RES, CIT, "cndkg:citingParagraph", "Or"),
    ("CitationShape-target-missing", "-", CIT, "cndkg:target", "MinCount"),
    ("CitationShape-two-targets", "+ " + SDG, CIT, "cndkg:target", "MaxCount"),
    ("CitationShape-target-a-literal", '= "Single Convention"', CIT, "cndkg:target", "NodeKind"),
    ("CitationShape-target-undescribed", "= " + NOBODY, CIT, "cndkg:target", "Node"),
    ("CitationShape-matched-text-missing", "-", CIT, "cndkg:matchedText", "MinCount"),
    ("CitationShape-two-matched-texts", '+ "1961"', CIT, "cndkg:matchedText", "MaxCount"),
    ("CitationShape-matched-text-with-language", '= "1961"@en', CIT, "cndkg:matchedText", "Datatype"),
    ("CitationShape-matched-text-empty", '= ""', CIT, "cndkg:matchedText", "MinLength"),
    ("CitationShape-source-file-missing", "-", CIT, "cndkg:sourceFile", "MinCount"),
    ("CitationShape-two-source-files", "+ <source/other.txt>", CIT, "cndkg:sourceFile", "MaxCount"),
    ("CitationShape-source-file-not-a-file", "= " + CND, CIT, "cndkg:sourceFile", "Class"),
    ("CitationShape-start-missing", "-", CIT, "cndkg:startOffset", "MinCount"),
    ("CitationShape-two-starts", "+ 15", CIT, "cndkg:startOffset", "MaxCount"),
    ("CitationShape-start-a-string", '= "14"', CIT, "cndkg:startOffset", "Datatype"),
    ("CitationShape-start-negative", "= -1", CIT, "cndkg:startOffset", "MinInclusive"),
    ("CitationShape-start-after-end", "= 60", CIT, "cndkg:startOffset", "LessThan"),
    ("CitationShape-start-at-end", "= 57", CIT, "cndkg:startOffset", "LessThan"),
    ("CitationShape-end-missing", "-", CIT, "cndkg:endOffset", "MinCount"),
    ("CitationShape-two-ends", "+ 58", CIT, "cndkg:endOffset", "MaxCount"),
    ("CitationShape-end-a-string", '= "57"', CIT, "cndkg:endOffset", "Datatype"),
    ("CitationShape-end-0", "= 0", CIT, "cndkg:endOffset", "MinInclusive"),
    ("CitationShape-source-line-missing", "-", CIT, "cndkg:sourceLine", "MinCount"),
    ("CitationShape-two-source-lines", "+ 31", CIT, "cndkg:sourceLine", "MaxCount"),
    ("CitationShape-source-line-a-string", '= "30"', CIT, "cndkg:sourceLine", "Datatype"),
    ("CitationShape-source-line-0", "= 0", CIT, "cndkg:sourceLine", "MinInclusive"),
    ("ReportingMandateShape-mandated-by-nothing", "-", MANDATE, "cndkg:mandatedBy", "MinCount"),
    ("ReportingMandateShape-mandated-by-two", "+ " + SUB, MANDATE, "cndkg:mandatedBy", "MaxCount"),
    ("ReportingMandateShape-mandated-by-preamble", "= " + PP, MANDATE, "cndkg:mandatedBy", "Or"),
    ("ReportingMandateShape-due-session-missing", "-", MANDATE, "cndkg:dueSession", "MinCount"),
    ("ReportingMandateShape-two-due-sessions", "+ " + SESSION, MANDATE, "cndkg:dueSession", "MaxCount"),
    ("ReportingMandateShape-due-session-untyped", "= <session/cnd/99>", MANDATE, "cndkg:dueSession", "Class"),
    ("ReportingMandateShape-due-session-unnumbered", "= <session/cnd/99>", MANDATE, "cndkg:dueSession", "Node"),
    ("ReportingMandateShape-addressee-not-a-body", "= " + STATE, MANDATE, "cndkg:addressee", "Class"),
    ("SessionShape-number-missing", "-", SESSION, "cndkg:sessionNumber", "MinCount"),
    ("SessionShape-two-numbers", "+ 58", SESSION, "cndkg:sessionNumber", "MaxCount"),
    ("SessionShape-number-as-words", '= "fifty-seventh"', SESSION, "cndkg:sessionNumber", "Datatype"),
    ("SessionShape-number-0", "= 0", SESSION, "cndkg:sessionNumber", "MinInclusive"),
    ("SessionShape-number-1000", "= 1000", SESSION, "cndkg:sessionNumber", "MaxInclusive"),
    ("SessionShape-two-years", "+ 2015", SESSION, "cndkg:year", "MaxCount"),
    ("SessionShape-year-not-integer", '= "2014"^^xsd:gYear', SESSION, "cndkg:year", "Datatype"),
    ("SessionShape-label-missing", "-", SESSION, "skos:prefLabel", "MinCount"),
    ("LabelledShape-treaty-without-label", "-", TREATY, "skos:prefLabel", "MinCount"),
    ("LabelledShape-body-without-label", "-", UNODC, "skos:prefLabel", "MinCount"),
    ("LabelledShape-source-file-without-label", "-", SOURCE, "skos:prefLabel", "MinCount"),
    ("LabelledShape-concept-without-label", "-", SDG, "skos:prefLabel", "MinCount"),
    ("LabelledShape-document-without-label", "-", DOCUMENT, "skos:prefLabel", "MinCount"),
    ("LabelledShape-decision-without-label", "-", DECISION, "skos:prefLabel", "MinCount"),
    ("LabelledShape-declaration-without-label", "-", DECLARATION, "skos:prefLabel", "MinCount"),
    ("LabelledShape-standard-without-label", "-", STANDARD, "skos:prefLabel", "MinCount"),
    ("MemberStateShape-notation-missing", "-", STATE, "skos:notation", "MinCount"),
    ("MemberStateShape-two-notations", '+ "DDR"', STATE, "skos:notation", "MaxCount"),
    ("MemberStateShape-notation-DE", '= "DE"', STATE, "skos:notation", "Pattern"),
    ("MemberStateShape-name-missing", "-", STATE, "skos:prefLabel", "MinCount"),
    ("TreatyShape-series-citation-with-dash", '= "976-14152"', TREATY, "cndkg:treatySeriesCitation", "Pattern"),
    ("SdgShape-notation-missing", "-", SDG, "skos:notation", "MinCount"),
    ("SdgShape-two-notations", '+ "3.b"', SDG, "skos:notation", "MaxCount"),
    ("SdgShape-notation-indicator", '= "3.5.1"', SDG, "skos:notation", "Pattern"),
]

# edits the shapes must accept: things the real graph legitimately holds
ALLOWED = [
    ("fragment-paragraphs-without-title", drop(FRAGMENT, "dcterms:title")),
    ("cited-stub-resolution-without-title-or-date", also(drop(RES, "eli:has_part"), drop(RES, "dcterms:title"))),
    ("draft-without-sponsor-or-agenda-item", also(drop(DRAFT, "cndkg:sponsor"), drop(DRAFT, "cndkg:agendaItem"))),
    (
        "draft-with-several-sponsors",
        also(
            add(DRAFT, "cndkg:sponsor", "<state/FRA>"),
            add("<state/FRA>", "a", "cndkg:MemberState"),
            add("<state/FRA>", "skos:notation", '"FRA"'),
            add("<state/FRA>", "skos:prefLabel", '"France"@en'),
        ),
    ),
    ("mandate-made-by-a-sub-paragraph", put(MANDATE, "cndkg:mandatedBy", SUB)),
    ("citation-from-a-sub-paragraph", put(CIT, "cndkg:citingParagraph", SUB)),
    (
        "sdg-goal-and-lettered-target",
        also(
            put(SDG, "skos:notation", '"3.a"'),
            add("sdg:3", "a", "skos:Concept"),
            add("sdg:3", "skos:notation", '"3"'),
            add("sdg:3", "skos:prefLabel", '"SDG 3"@en'),
        ),
    ),
    ("old-style-symbols", put(RES, "dcterms:identifier", '"5 (S-III)"')),
    ("special-session-symbol", put(RES, "dcterms:identifier", '"S-30/1"')),
    ("lettered-symbol", put(RES, "dcterms:identifier", '"217 A (III)"')),
]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes")


def valid_graph() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def edited(edit: str) -> Graph:
    graph = valid_graph()
    graph.update(PROLOGUE + edit)
    return graph


def as_update(edit: str, focus: str, path: str) -> str:
    """Return a row's edit as a SPARQL Update ("-", "+ v" and "= v" act on the row's focus and path)."""
    if edit == "-":
        return drop(focus, path)
    if edit.startswith("+ "):
        return add(focus, path, edit[2:])
    if edit.startswith("= "):
        return put(focus, path, edit[2:])
    return edit


def focus_name(term: str) -> str:
    """Return a SPARQL term of the table as validate.Violation spells a focus node."""
    return ID + term[1:-1] if term.startswith("<") else term


def curie(iri: Node) -> str:
    prefix = next(prefix for prefix, namespace in PREFIXES.items() if str(iri).startswith(namespace))
    return f"{prefix}:{str(iri)[len(PREFIXES[prefix]) :]}"


def shape_message(shapes: Graph, shape: str, path: str) -> str:
    """Return the sh:message of a node shape (path "") or of its one property shape on ``path``."""
    node = CNDKGSH[shape]
    if path:
        properties = [p for p in shapes.objects(node, SH.property) if curie(shapes.value(p, SH.path)) == path]
        assert len(properties) == 1, f"{shape} has {len(properties)} property shapes on {path}"
        node = properties[0]
    messages = list(shapes.objects(node, SH.message))
    assert len(messages) == 1, f"{shape} {path or '(node)'}: expected one sh:message, found {messages}"
    return str(messages[0])


def test_valid_graph_conforms(shapes: Graph) -> None:
    outcome = validate_graph(valid_graph(), shapes)
    assert outcome.conforms, format_report(outcome)
    assert outcome.violations == []


def test_shapes_pass_meta_shacl(shapes: Graph) -> None:
    # meta_shacl=True first validates the shapes graph against SHACL's own shapes (shacl-shacl.ttl) and
    # raises ReportableRuntimeError if the shapes do not conform; only then is the data graph validated.
    conforms, _, text = pyshacl.validate(data_graph=valid_graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_meta_shacl_catches_a_broken_shape() -> None:
    broken = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:Shape> a sh:NodeShape ; sh:property [ sh:path <urn:x:p> ; sh:minCount "one" ] .""",
        format="turtle",
    )
    with pytest.raises(ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(data_graph=valid_graph(), shacl_graph=broken, meta_shacl=True)


@pytest.mark.parametrize(("case", "edit", "focus", "path", "component"), CASES, ids=[row[0] for row in CASES])
def test_breaking_edit_is_reported(shapes: Graph, case: str, edit: str, focus: str, path: str, component: str) -> None:
    outcome = validate_graph(edited(as_update(edit, focus, path)), shapes)
    assert not outcome.conforms
    expected = (focus_name(focus), path, component, shape_message(shapes, case.split("-", 1)[0], path))
    found = {(v.focus, v.path, v.component, v.message) for v in outcome.violations}
    assert expected in found, f"no violation {expected} in:\n{format_report(outcome)}"


@pytest.mark.parametrize(("case", "edit"), ALLOWED, ids=[row[0] for row in ALLOWED])
def test_allowed_edit_conforms(shapes: Graph, case: str, edit: str) -> None:
    outcome = validate_graph(edited(edit), shapes)
    assert outcome.conforms, format_report(outcome)


def test_cases_cover_every_constraint(shapes: Graph) -> None:
    """Every constraint of every targeted shape has a case (TypedShape is reached through sh:node)."""
    targets = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}
    not_constraints = {RDF.type, SH.property, SH.path, SH.message, SH.name, SH.description, SH.severity} | targets
    required = set()
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if not set(shapes.predicates(shape)) & targets:
            continue
        name = str(shape).removeprefix(str(CNDKGSH))
        constrained = [("", shape)] + [(curie(shapes.value(p, SH.path)), p) for p in shapes.objects(shape, SH.property)]
        for path, node in constrained:
            for parameter in set(shapes.predicates(node)) - not_constraints:
                local = str(parameter).removeprefix(str(SH))
                required.add((name, path, local[0].upper() + local[1:]))
    covered = {(case.split("-", 1)[0], path, component) for case, _, _, path, component in CASES}
    assert sorted(required - covered) == [], "constraints without a breaking case"
    assert sorted(covered - required) == [], "cases naming a constraint the shapes do not have"


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (drop(OP, "cndkg:cue"), "seed.txt:34:"),
        (drop(SUB, "cndkg:label"), "seed.txt:35:"),
        (put(MANDATE, "cndkg:addressee", STATE), "seed.txt:34:"),
        (drop(CIT, "cndkg:matchedText"), "seed.txt:30:"),
    ],
    ids=["paragraph", "sub-paragraph", "mandate", "citation"],
)
def test_report_names_source_file_and_line(shapes: Graph, edit: str, where: str) -> None:
    outcome = validate_graph(edited(edit), shapes)
    assert len(outcome.violations) == 1, format_report(outcome)
    violation = outcome.violations[0]
    assert str(violation).startswith(where)
    lines = format_report(outcome).splitlines()
    assert str(violation) in lines
    assert lines[-1] == "SHACL: the graph does not conform: 1 violation(s)"


def test_bundled_corpus_graph_conforms(shapes: Graph, registry: Registry) -> None:
    corpus_dir = data_dir("corpus")
    corpus = run_pipeline([corpus_dir], registry, root=corpus_dir)
    assert corpus.resolved
    outcome = validate_graph(build_graph(corpus.settled, registry).graph, shapes)
    assert outcome.conforms, format_report(outcome, limit=20)
    assert format_report(outcome) == "SHACL: the graph conforms"


def test_nested_sh_detail_results_are_not_counted_as_violations(shapes: Graph) -> None:
    graph = edited(drop(TREATY, "skos:prefLabel"))
    outcome = validate_graph(graph, shapes)
    top_level = list(outcome.report.objects(None, SH.result))
    assert len(outcome.violations) == len(top_level)
    assert all(not v.focus.startswith('"') for v in outcome.violations)


def test_shapes_that_passed_are_not_checked_again(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    import pyshacl

    from cndkg.validate import check_shapes, load_shapes

    validate_module = sys.modules["cndkg.validate"]  # the package's own name cndkg.validate is the API function

    monkeypatch.setattr(validate_module, "_CHECKED_SHAPES", set())
    shapes = load_shapes(ROOT / "shapes")  # as a build loads them (the module's fixture met pySHACL already)
    check_shapes(shapes, tmp_path)
    assert len(list((tmp_path / "shapes-checked").iterdir())) == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(pyshacl, "validate", refuse)
    monkeypatch.setattr(validate_module, "_CHECKED_SHAPES", set())
    check_shapes(shapes, tmp_path)  # remembered on disk: a new process need not check them
    check_shapes(load_shapes(ROOT / "shapes"), tmp_path)  # a fresh parse names its blank nodes anew: still remembered
    changed = Graph() + shapes
    changed.add((CNDKGSH.Extra, RDF.type, SH.NodeShape))
    with pytest.raises(AssertionError, match="checked again"):
        check_shapes(changed, tmp_path)
