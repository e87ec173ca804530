"""The one module that mints IRIs, following the URI contract in DESIGN.md.

Every part that comes from source text is validated against a narrow pattern
and percent-encoded, so no text can inject characters into an IRI or, through
the site's IRI-to-path mapping, a path outside the output folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from cndkg import grammar as G
from cndkg.namespaces import DEFAULT_BASE

_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
BODY_KEYS = G.BODY_KEYS


BODY_NAMES = {key: name for name, key in BODY_KEYS.items()}
_OLD_PATH = re.compile(
    r"^(?P<number>\d{1,4})(?:-(?P<section>[IVX]{1,4})(?=-[A-Z]-))?(?:-(?P<letter>[A-Z]))?"
    rf"-(?P<session>{G.ROMAN_SESSION})$"
)


def symbol_from_path(path: str) -> str:
    """Return the symbol an IRI path stands for: "217-A-III" -> "217 A (III)", "57/4" -> "57/4"."""
    old = _OLD_PATH.match(path)
    if old:
        letter = "".join(f" {old.group(p)}" for p in ("section", "letter") if old.group(p))
        return f"{old.group('number')}{letter} ({old.group('session')})"
    return path


class IriError(ValueError):
    """A value cannot become part of an IRI (it does not have the expected form)."""


def segment_of(value: str) -> str:
    """Return ``value`` as a safe IRI path segment, percent-encoding anything else."""
    if _SAFE_SEGMENT.match(value) and ".." not in value:
        return value
    return (
        quote(value, safe="-._~").replace(".", "%2E")
        if ".." in value or value.startswith(".")
        else quote(value, safe="-._~")
    )


def symbol_path(symbol: str) -> str:
    """Return the IRI path of a resolution symbol.

    Takes "57/4", "S-30/1", "217 A (III)", "1156(XLI)" or "5 (S-III)". Returns
    "57/4", "S-30/1", "217-A-III", "1156-XLI", "5-S-III"; raises IriError otherwise.
    """
    parts = G.symbol_parts(symbol)
    if parts is None:
        raise IriError(f"not a resolution symbol: {symbol!r}")
    return parts.path


def canonical_symbol(symbol: str) -> str:
    """Return a symbol in the UN's spelling: "1156(XLI)" -> "1156 (XLI)", "217 A(III)" -> "217 A (III)"."""
    parts = G.symbol_parts(symbol)
    if parts is None:
        raise IriError(f"not a resolution symbol: {symbol!r}")
    return parts.canonical


def document_path(symbol: str) -> str:
    """Return the IRI path segment of a document symbol: "E/CN.7/2014/L.9/Rev.1" -> "E-CN.7-2014-L.9-Rev.1"."""
    text = symbol.strip()
    if not re.fullmatch(r"[A-Za-z0-9]+(?:/[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*){1,8}", text):
        raise IriError(f"not a document symbol: {symbol!r}")
    return G.canonical_document_symbol(text).replace("/", "-")


def hash_iri(resource: str, local: str) -> str:
    """Return the IRI of a part of a resource by its local id: a paragraph ``...57/4#op2``, a footnote ``#fn3``."""
    return f"{resource}#{local}"


def paragraph_eid(preambular: bool, position: int, number: int | None) -> str:
    """Return a paragraph's local id, as Akoma Ntoso eIds: ``pp3`` by position, ``op2`` by its printed number."""
    if preambular:
        return f"pp{position}"
    return f"op{number if number is not None else position}"


def subparagraph_eid(paragraph: str, label: str) -> str:
    """Return a sub-paragraph's local id from its paragraph's and its label: ``op2`` and ``(b)`` -> ``op2-b``."""
    return f"{paragraph}-{label.strip('()').lower()}"


def footnote_eid(label: str) -> str:
    """Return a footnote's local id from its label (``3`` -> ``fn3``)."""
    return f"fn{segment_of(label)}"


def slug(text: str, limit: int = 80) -> str:
    """Return a lower-case ASCII slug of a title ("Supporting recovery ..." -> "supporting-recovery-...")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0]
    return words or "untitled"


@dataclass(frozen=True, slots=True)
class Minter:
    """Mints every IRI of the dataset under one base."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(?::\d+)?(?:/[A-Za-z0-9._~\-]*)*/", self.base):
            raise IriError(f"base= must be an http(s) URI ending in '/': {self.base!r}")

    @property
    def identifier_space(self) -> str:
        """Return the namespace every identifier of the dataset lives in (``{base}id/``)."""
        return f"{self.base}id/"

    def _id(self, path: str) -> str:
        return f"{self.identifier_space}{path}"

    def rebase(self, iri: str) -> str:
        """Return an identifier of the default base under this minter's base (library defaults, examples)."""
        default = Minter().identifier_space
        return self.identifier_space + iri[len(default) :] if iri.startswith(default) else iri

    def paragraph(self, resolution: str, eid: str) -> str:
        """Return the hash IRI of a paragraph or sub-paragraph of a resolution (``...57/4#op2-b``)."""
        return hash_iri(resolution, eid)

    def variant(self, iri: str, words: str) -> str:
        """Return the IRI of one of several different texts minted ``iri``, told apart by a hash of its words."""
        return f"{iri}-{hashlib.sha256(words.encode()).hexdigest()[:8]}"

    def body_key(self, body: str) -> str:
        """Return the short key of a body name ("General Assembly" -> "ga")."""
        key = BODY_KEYS.get(body)
        if key is None:
            raise IriError(f"unknown body: {body!r}")
        return key

    def resolution(self, body: str, symbol: str) -> str:
        """Return the IRI of a resolution of ``body`` with ``symbol`` (``id/res/cnd/57/4``)."""
        return self._id(f"res/{self.body_key(body)}/{symbol_path(symbol)}")

    def decision(self, body: str, symbol: str) -> str:
        """Return the IRI of a decision (``id/dec/cnd/57/1``)."""
        return self._id(f"dec/{self.body_key(body)}/{symbol_path(symbol)}")

    def resolution_identifier(self, symbol: str) -> str:
        """Return the symbol a resolution or decision IRI carries ("217 A(III)" -> "217 A (III)")."""
        return symbol_from_path(symbol_path(symbol))

    def document_identifier(self, symbol: str) -> str:
        """Return the symbol a document IRI carries ("e/2019/28 " -> "E/2019/28")."""
        return document_path(symbol).replace("-", "/")

    def body(self, key: str) -> str:
        """Return the IRI of a body by its short key (``id/body/cnd``)."""
        if not re.fullmatch(r"[a-z][a-z0-9\-]*", key):
            raise IriError(f"not a body key: {key!r}")
        return self._id(f"body/{key}")

    def body_of(self, name: str) -> str:
        """Return the IRI of a body by its name ("General Assembly" -> ``id/body/ga``)."""
        return self.body(self.body_key(name))

    def document(self, symbol: str) -> str:
        """Return the IRI of a document by symbol (``id/doc/E-2019-28``)."""
        return self._id(f"doc/{document_path(symbol)}")

    def draft(self, body: str, session: int | None, title: str) -> str:
        """Return the IRI of a draft whose symbol is unknown (``id/draft/cnd/57/supporting-...``)."""
        where = str(session) if session is not None else "unknown-session"
        return self._id(f"draft/{self.body_key(body)}/{where}/{slug(title)}")

    def fragment(self, source: str, index: int, first_text: str) -> str:
        """Return the IRI of a fragment: stable for the same source name and text."""
        digest = hashlib.sha256(f"{source}\n{first_text}".encode()).hexdigest()[:12]
        return self._id(f"fragment/{digest}-{index}")

    def session(self, body: str, number: int) -> str:
        """Return the IRI of a numbered session (``id/session/cnd/57``)."""
        if not 0 < number < 1000:
            raise IriError(f"session number out of range: {number}")
        return self._id(f"session/{self.body_key(body)}/{number}")

    def state(self, iso3: str) -> str:
        """Return the IRI of a Member State by ISO 3166-1 alpha-3 code (``id/state/DEU``)."""
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            raise IriError(f"not an ISO 3166-1 alpha-3 code: {iso3!r}")
        return self._id(f"state/{iso3}")

    def source_file(self, name: str) -> str:
        """Return the IRI of a source file: a readable slug of its name plus a short hash of it.

        ``s61/r000572.html`` -> ``id/source/s61-r000572-html-1a2b3c4d``: safe as a folder
        name (no ``%2F``, no ``.html`` ending that tools would take for a file).
        """
        posix = name.replace("\\", "/")
        digest = hashlib.sha256(posix.encode("utf-8")).hexdigest()[:8]
        return self._id(f"source/{slug(posix, 60)}-{digest}")

    def citation(self, citing: str, index: int) -> str:
        """Return the IRI of the provenance node of a paragraph's ``index``-th citation."""
        return f"{citing}-cit{index}"

    def footnote_marker(self, part: str, index: int) -> str:
        """Return the IRI of the ``index``-th footnote marker of a paragraph or sub-paragraph (``...#op2-fnref1``)."""
        return f"{part}-fnref{index}"

    def unresolved(self, paragraph: str, index: int) -> str:
        """Return the IRI of the ``index``-th unresolved mention a paragraph holds (``...#op2-unresolved1``)."""
        return f"{paragraph}-unresolved{index}"

    def addressee_mention(self, paragraph: str, index: int) -> str:
        """Return the IRI of the ``index``-th addressee a paragraph names (``...#op2-addressee1``)."""
        return f"{paragraph}-addressee{index}"

    def mandate(self, paragraph: str, index: int) -> str:
        """Return the IRI of the ``index``-th reporting mandate of an operative paragraph."""
        return f"{paragraph}-mandate{index}"

    def footnote(self, resolution: str, label: str) -> str:
        """Return the IRI of a footnote of a resolution (``...57/4#fn3``)."""
        return f"{resolution}#{footnote_eid(label)}"

    def published_file(self, name: str) -> str:
        """Return the address of a file the build publishes beside its pages (``cndkg.nt``, ``void.ttl``)."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*", name):
            raise IriError(f"not a published file name: {name!r}")
        return f"{self.base}{name}"

    def description(self, part: str) -> str:
        """Return a hash IRI in the dataset description ``void.ttl``: ``#dataset``, ``#build``, ``#class-...``."""
        return f"{self.published_file('void.ttl')}#{segment_of(part)}"

    def local(self, path: str) -> str:
        """Return an IRI under ``id/`` from a path the reference data spells out."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-/]*", path) or ".." in path:
            raise IriError(f"not a safe id path: {path!r}")
        return self._id(path)

    def page_path(self, iri: str) -> str | None:
        """Return the site folder of an entity IRI (``res/cnd/57/4``), or None if not ours.

        Paragraph IRIs (with ``#``) belong to their resolution's page.
        """
        prefix = self.identifier_space
        if not iri.startswith(prefix):
            return None
        path = iri[len(prefix) :].split("#", 1)[0]
        if not path or ".." in path.split("/") or path.startswith("/"):
            return None
        return "/".join(_folder_name(part) for part in path.split("/"))


_MAX_FOLDER_BYTES = 200  # file systems allow 255 bytes a name; a page's folder name stays well under


def _folder_name(part: str) -> str:
    """Return a path component as a folder name: itself, or when too long a readable prefix and a hash of it all.

    The name is stable (the same component, the same name) and the IRI is not
    touched: only where its page is written and linked changes.
    """
    if len(part.encode("utf-8")) <= _MAX_FOLDER_BYTES:
        return part
    digest = hashlib.sha256(part.encode("utf-8")).hexdigest()[:16]
    prefix = part.encode("utf-8")[:100].decode("utf-8", "ignore")
    return f"{prefix}-{digest}"


@dataclass(frozen=True, slots=True)
class AknUris:
    """The FRBR IRIs of one text in Akoma Ntoso (AKN naming convention, as AKN4UN applies it to the UN)."""

    work: str
    work_this: str
    expression: str
    expression_this: str
    manifestation: str
    manifestation_this: str
    name: str
    number: str
    date: str


AKN_LANGUAGE = "eng"
"""The ISO 639-2 code of the language of every text in the corpus (English)."""

_AKN_NAMES = {"res": "resolution", "draft": "resolutionDraft", "fragment": "resolution"}


def akn_uris(minter: Minter, iri: str, date: str | None) -> AknUris:
    """Return the Akoma Ntoso FRBR IRIs of a resolution, draft or fragment minted by ``minter``.

    AKN4UN files a resolution as ``<statement>`` of subtype ``deliberation`` and
    name ``resolution`` (``resolutionDraft`` for a draft), authored by its body,
    in the UN's jurisdiction code ``un``. The Work IRI is
    ``/akn/un/statement/deliberation/{body}/{date}/{number}``: ``number`` is the
    path of the dataset's own IRI after the body (``57-4``; a draft's session
    and title slug, ``57-supporting-recovery-...``), so the two identifiers
    name each other one to one. ``date`` is the adoption (or distribution)
    date, else the year, else ``unknown``. The Expression adds the language
    (``/eng@``), the Manifestation the format (``.xml``); the ``*_this`` IRIs
    name the main component (``/!main``, ``/!main.xml``). Raises IriError
    for an IRI that is not a text of this minter.
    """
    prefix = minter.identifier_space
    if not iri.startswith(prefix) or "#" in iri:
        raise IriError(f"not a text of this dataset: {iri!r}")
    parts = iri[len(prefix) :].split("/")
    if parts[0] not in _AKN_NAMES or len(parts) < 2:
        raise IriError(f"not a resolution, draft or fragment: {iri!r}")
    if parts[0] == "fragment":
        author, rest = "unknown", parts[1:]
    else:
        author, rest = parts[1], parts[2:]
    number = "-".join(rest) or "unknown"
    when = date or "unknown"
    if not re.fullmatch(r"\d{4}(?:-\d{2}-\d{2})?|unknown", when):
        raise IriError(f"not a date: {date!r}")
    work = f"/akn/un/statement/deliberation/{author}/{when}/{number}"
    expression = f"{work}/{AKN_LANGUAGE}@"
    return AknUris(
        work,
        f"{work}/!main",
        expression,
        f"{expression}/!main",
        f"{expression}.xml",
        f"{expression}/!main.xml",
        _AKN_NAMES[parts[0]],
        number,
        when,
    )
