"""Hand-checked expectations of a corpus folder, read from ``expected/*.json``.

A corpus folder holds ``texts/NAME.ext`` and ``expected/NAME.json``. An
expectation file describes the resolutions of one text (``{"resolutions": [...]}``)
or of several (``{"files": [{"file": ".../NAME.txt", "resolutions": [...]}, ...]}``,
the layout of the shared ``SEEDS.json``). The format is that of
``../shared/realworld/expected/``; its conventions are summed up here:

- ``symbol`` is ``BODY NUMBER`` as printed (``GA 3014 (XXVII)``, ``CND 67/1``) or null for a draft;
- ``preambular_count``/``operative_count`` and ``preambular_verbs``/``operative_verbs`` (a null verb
  means the cue is unsure, and the resolution's cues are then not scored);
- ``cites``: one entry per (paragraph label ``pp<n>``/``op<n>``, target label), ``optional`` when a strict
  reader may skip it, ``also`` for further targets of the same words (a joint symbol);
- ``reporting_mandate``: ``{"session": N}`` when a report is due at the CND's N-th session.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cndkg.read import SUPPORTED_SUFFIXES

LABEL = re.compile(r"(pp|op)\d+")
"""A paragraph label of the expectations: ``pp3`` is the third preambular paragraph."""

_FIXED_TARGETS = {
    "Treaty:1961 Single Convention": "treaty/1961-single-convention",
    "Treaty:1972 Protocol": "treaty/1972-protocol",
    "Treaty:1971 Convention": "treaty/1971-psychotropic-convention",
    "Treaty:1988 Convention": "treaty/1988-trafficking-convention",
    "Declaration:2019 Ministerial Declaration": "declaration/2019-ministerial-declaration",
    "Declaration:2009 Political Declaration": "declaration/2009-political-declaration",
    "Declaration:2014 Joint Ministerial Statement": "declaration/2014-joint-ministerial-statement",
    "Standard:International Standards for the Treatment of Drug Use Disorders": "standard/treatment-standards",
    "Standard:International Standards on Drug Use Prevention": "standard/prevention-standards",
    "SDG target 3.5": "metadata.un.org/sdg/3.5",
}
_NEW_SYMBOL = re.compile(r"(CND|GA|ECOSOC) (\d+)/(\d+)")
_SPECIAL_SESSION = re.compile(r"GA S-(\d+)/(\d+)")
# "ECOSOC 159 II C (VII)": a section numeral before the letter (cndkg's IRI: res/ecosoc/159-II-C-VII).
_OLD_SYMBOL = re.compile(r"(CND|GA|ECOSOC) (\d+)(?: ([IVX]{1,4})(?= [A-Z] \())?(?: ([A-Z]))? \(([IVXLCS-]+)\)")
_DOCUMENT = re.compile(r"[A-Z]/[A-Za-z0-9./-]+")
_BODY_PREFIX = re.compile(r"^(CND|GA|ECOSOC)\s+")


class ExpectationError(ValueError):
    """An expectation file or corpus folder that cannot be read."""


@dataclass(frozen=True, slots=True)
class ExpectedCite:
    """One expected citation: a paragraph label and a target label, with alternatives."""

    paragraph: str
    target: str
    optional: bool = False
    also: tuple[str, ...] = ()
    surface: str = ""


@dataclass(frozen=True, slots=True)
class ExpectedResolution:
    """What a careful reader finds in one resolution of a text."""

    symbol: str | None
    preambular_count: int
    operative_count: int
    preambular_verbs: tuple[str | None, ...]
    operative_verbs: tuple[str | None, ...]
    cites: tuple[ExpectedCite, ...] = ()
    mandate_session: int | None = None
    first_operative_number: int = 1

    @property
    def key(self) -> str:
        """Return the resolution's part of an item key: its symbol, or ``draft`` when none is printed."""
        return self.symbol or "draft"

    @property
    def unsure_cues(self) -> bool:
        """Return True when a cue is unknown (null), so that the cue sequence is not scored."""
        return any(v is None for v in self.preambular_verbs + self.operative_verbs)


@dataclass(frozen=True, slots=True)
class ExpectedText:
    """The expectations of one text file of a corpus folder."""

    name: str
    path: Path | None
    resolutions: tuple[ExpectedResolution, ...]


def target_suffix(target: str) -> str | None:
    """Return the IRI tail the vocabulary contract gives an expected target, or None when it gives none.

    ``GA 70/1`` -> ``res/ga/70/1``; ``ECOSOC 914 E (XXXIV)`` -> ``res/ecosoc/914-E-XXXIV``;
    ``E/CN.7/432`` -> ``doc/E-CN.7-432``; ``Treaty:1972 Protocol`` -> ``treaty/1972-protocol``.
    """
    if match := _NEW_SYMBOL.fullmatch(target):
        return f"res/{match[1].lower()}/{match[2]}/{match[3]}"
    if match := _SPECIAL_SESSION.fullmatch(target):
        return f"res/ga/S-{match[1]}/{match[2]}"
    if match := _OLD_SYMBOL.fullmatch(target):
        letter = "".join(f"-{part}" for part in (match[3], match[4]) if part)
        return f"res/{match[1].lower()}/{match[2]}{letter}-{match[5]}"
    if target in _FIXED_TARGETS:
        return _FIXED_TARGETS[target]
    if _DOCUMENT.fullmatch(target):
        return "doc/" + target.replace("/", "-")
    return None


def iri_matches(iri: str, suffix: str) -> bool:
    """Return True when a graph IRI is the one an expected target's suffix names."""
    tail = iri.rstrip("/")
    return tail.endswith(suffix) or ("sdg" in suffix and tail.endswith("sdg/" + suffix.split("/")[-1]))


def normalise_symbol(symbol: str | None) -> str | None:
    """Return a symbol without its body prefix and spaces (``GA 3014 (XXVII)`` -> ``3014(XXVII)``)."""
    if not symbol:
        return None
    return re.sub(r"\s+", "", _BODY_PREFIX.sub("", symbol))


def symbol_printed(symbol: str, text: str) -> bool:
    """Return True when the symbol's number is printed in the text (not only inferable, e.g. from a file name)."""
    core = re.split(r"[\s(]", _BODY_PREFIX.sub("", symbol))[0]
    return core in text


def load_expectations(expected_dir: Path, texts_dir: Path) -> list[ExpectedText]:
    """Read every ``*.json`` of ``expected_dir``; return the texts they describe, sorted by name.

    Raises ExpectationError for a file that is not JSON of the expected shape.
    """
    texts: dict[str, ExpectedText] = {}
    for file in sorted(expected_dir.glob("*.json")):
        for name, resolutions in _described_texts(file):
            if name in texts:
                raise ExpectationError(f"{file}: {name} is described twice")
            texts[name] = ExpectedText(name, find_text(texts_dir, name), resolutions)
    return [texts[name] for name in sorted(texts)]


def find_text(texts_dir: Path, name: str) -> Path | None:
    """Return the source text ``texts_dir/NAME.ext`` (a supported suffix), or None when there is none."""
    for suffix in SUPPORTED_SUFFIXES:
        path = texts_dir / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def _described_texts(file: Path) -> list[tuple[str, tuple[ExpectedResolution, ...]]]:
    """Return (text name, resolutions) for each text an expectation file describes."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExpectationError(f"{file}: not readable JSON ({error})") from error
    if not isinstance(data, dict):
        raise ExpectationError(f"{file}: expected a JSON object")
    try:
        if "files" in data:
            return [(Path(entry["file"]).stem, _resolutions(entry)) for entry in data["files"]]
        return [(file.stem, _resolutions(data))]
    except (KeyError, TypeError, ValueError) as error:
        raise ExpectationError(f"{file}: not in the expectation format ({error!r})") from error


def _resolutions(entry: dict[str, Any]) -> tuple[ExpectedResolution, ...]:
    """Return the resolutions of one text's expectations."""
    return tuple(_resolution(item) for item in entry["resolutions"])


def _resolution(item: dict[str, Any]) -> ExpectedResolution:
    """Return one expected resolution from its JSON object."""
    mandate = item.get("reporting_mandate") or {}
    session = mandate.get("session") if isinstance(mandate, dict) else None
    return ExpectedResolution(
        symbol=item.get("symbol") or None,
        preambular_count=int(item["preambular_count"]),
        operative_count=int(item["operative_count"]),
        preambular_verbs=tuple(item.get("preambular_verbs") or ()),
        operative_verbs=tuple(item.get("operative_verbs") or ()),
        cites=tuple(_cite(c) for c in item.get("cites") or ()),
        mandate_session=int(session) if session else None,
        first_operative_number=int(item.get("first_visible_operative_number") or 1),
    )


def _cite(item: dict[str, Any]) -> ExpectedCite:
    """Return one expected citation from its JSON object."""
    return ExpectedCite(
        paragraph=str(item["paragraph"]),
        target=str(item["target"]),
        optional=bool(item.get("optional")),
        also=tuple(str(a) for a in item.get("also") or ()),
        surface=str(item.get("surface") or ""),
    )
