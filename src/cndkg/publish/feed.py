"""The change feed (Atom, RFC 4287): ``feed.atom``, one entry per text added or changed since the previous build.

What changed is told by a content-hash history kept in the output,
``feed-history.json``: the SHA-256 of each text's ``data.akn.xml`` and
``data.ttl`` (its words, its metadata, its citations), the time each last
changed and the latest generation's changes. A build reads the history of the
output folder it replaces; when no text's hash differs, it keeps that
generation as it was, so building the same input again gives the same bytes.
Otherwise a new generation lists the texts added and changed (as entries,
``id`` = the text's IRI) and those removed (as RFC 6721 ``at:deleted-entry``).

``updated`` is ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds
convention). Without it no clock is read: the first generation is stamped
with the latest adoption or distribution date in the corpus (midnight UTC),
and each later one at that date or one second after the previous
generation, whichever is later, so the stamps only grow.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cndkg.namespaces import ATOM_XML, CNDKG, ELI, TOMBSTONES_XML
from cndkg.publish.akn import AKN_FILE, AKN_MEDIA_TYPE, clean
from cndkg.publish.sitedata import SiteData

FEED_FILE = "feed.atom"
HISTORY_FILE = "feed-history.json"
ATOM_MEDIA_TYPE = "application/atom+xml"
ATOM_NAMESPACE = ATOM_XML
TOMBSTONE_NAMESPACE = TOMBSTONES_XML
_A = f"{{{ATOM_NAMESPACE}}}"
_AT = f"{{{TOMBSTONE_NAMESPACE}}}"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class History:
    """The content hashes of the texts, when each last changed, and the latest generation's changes."""

    generation: int = 0
    updated: str = ""
    hashes: dict[str, str] = field(default_factory=dict)
    changed_at: dict[str, str] = field(default_factory=dict)
    changes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the history as sorted JSON (same history, same bytes)."""
        return (
            json.dumps(
                {
                    "generation": self.generation,
                    "updated": self.updated,
                    "hashes": self.hashes,
                    "changed_at": self.changed_at,
                    "changes": self.changes,
                },
                sort_keys=True,
                indent=1,
            )
            + "\n"
        )


def read_history(folder: Path | None) -> History | None:
    """Return the history a previous build left in ``folder``, or None (no folder, no file, or not readable)."""
    if folder is None:
        return None
    try:
        raw = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
        history = History(
            int(raw["generation"]),
            str(raw["updated"]),
            {str(k): str(v) for k, v in raw["hashes"].items()},
            {str(k): str(v) for k, v in raw["changed_at"].items()},
            {str(k): str(v) for k, v in raw["changes"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return history


def content_hashes(folder: Path, data: SiteData) -> dict[str, str]:
    """Return text IRI -> SHA-256 of its ``data.akn.xml`` and ``data.ttl`` (the files written beside its page)."""
    hashes = {}
    for iri in sorted(data.texts):
        path = data.page_of(iri)
        if path is None:
            continue
        digest = hashlib.sha256()
        for name in (AKN_FILE, "data.ttl"):
            target = folder / path / name
            digest.update(target.read_bytes() if target.exists() else b"")
            digest.update(b"\0")
        hashes[iri] = digest.hexdigest()
    return hashes


def _source_date() -> str | None:
    """Return ``SOURCE_DATE_EPOCH`` as an Atom date, or None when it is not set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC).strftime(_FORMAT)


def _corpus_date(data: SiteData) -> str:
    """Return the latest adoption or distribution date of a text in the corpus, at midnight UTC."""
    dates = [
        value
        for iri in data.texts
        for predicate in (ELI.date_document, CNDKG.distributionDate)
        for value in data.all(iri, str(predicate))
        if len(value) == 10
    ]
    return (max(dates) if dates else "1970-01-01") + "T00:00:00Z"


def next_history(previous: History | None, hashes: dict[str, str], data: SiteData) -> History:
    """Return the history after this build: the previous one when nothing changed, else a new generation."""
    if previous is not None and previous.hashes == hashes:
        return previous
    old = previous or History()
    stamp = _source_date()
    if stamp is None:
        stamp = _corpus_date(data)
        if old.updated:
            after = datetime.datetime.strptime(old.updated, _FORMAT) + datetime.timedelta(seconds=1)
            stamp = max(stamp, after.strftime(_FORMAT))
    changes = {iri: "added" for iri in hashes if iri not in old.hashes}
    changes |= {iri: "changed" for iri in hashes if iri in old.hashes and old.hashes[iri] != hashes[iri]}
    changes |= {iri: "removed" for iri in old.hashes if iri not in hashes}
    changed_at = {iri: (stamp if iri in changes else old.changed_at.get(iri, stamp)) for iri in hashes}
    return History(old.generation + 1, stamp, dict(sorted(hashes.items())), changed_at, dict(sorted(changes.items())))


def atom_feed(history: History, data: SiteData, base: str) -> bytes:
    """Return the Atom feed of the history's latest generation (entries sorted by IRI)."""
    root = etree.Element(_A + "feed", nsmap={None: ATOM_NAMESPACE, "at": TOMBSTONE_NAMESPACE})
    etree.SubElement(root, _A + "id").text = base + FEED_FILE
    etree.SubElement(root, _A + "title").text = "cndkg: resolutions added or changed in the latest build"
    etree.SubElement(root, _A + "updated").text = history.updated
    etree.SubElement(etree.SubElement(root, _A + "author"), _A + "name").text = "cndkg"
    etree.SubElement(root, _A + "link", rel="self", type=ATOM_MEDIA_TYPE, href=base + FEED_FILE)
    etree.SubElement(root, _A + "link", rel="alternate", type="text/html", href=base)
    etree.SubElement(root, _A + "link", rel="describedby", type="text/turtle", href=base + "void.ttl")
    for iri, change in history.changes.items():
        if change == "removed":
            etree.SubElement(root, _AT + "deleted-entry", ref=clean(iri), when=history.updated)
            continue
        path = data.page_of(iri)
        entry = etree.SubElement(root, _A + "entry")
        etree.SubElement(entry, _A + "id").text = clean(iri)
        etree.SubElement(entry, _A + "title").text = clean(data.label(iri))
        etree.SubElement(entry, _A + "updated").text = history.changed_at.get(iri, history.updated)
        etree.SubElement(entry, _A + "category", term=change, label=change.capitalize())
        if path is not None:
            page = base + path + "/"
            etree.SubElement(entry, _A + "link", rel="alternate", type="text/html", href=clean(page))
            etree.SubElement(entry, _A + "link", rel="alternate", type="text/turtle", href=clean(page + "data.ttl"))
            etree.SubElement(entry, _A + "link", rel="alternate", type=AKN_MEDIA_TYPE, href=clean(page + AKN_FILE))
        summary = f"{change.capitalize()} in this build: {data.label(iri)}"
        etree.SubElement(entry, _A + "summary").text = clean(summary)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def write_feed(folder: Path, data: SiteData, base: str, previous: Path | None) -> History:
    """Write ``feed.atom`` and ``feed-history.json`` into ``folder``; return the new history.

    Takes the output folder being built (the texts' ``data.akn.xml`` and
    ``data.ttl`` must be written), the site data, the base URI and the output
    folder of the previous build (None: no history).
    """
    history = next_history(read_history(previous), content_hashes(folder, data), data)
    (folder / FEED_FILE).write_bytes(atom_feed(history, data, base))
    (folder / HISTORY_FILE).write_text(history.to_json(), encoding="utf-8")
    return history
