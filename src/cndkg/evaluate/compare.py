"""Compare what the graph says about one text with what a careful reader expects.

The semantics are those of the reference scorer ``../shared/realworld/score.py``
(with its default fixes): resolutions are matched by ``dcterms:identifier``,
then the unmatched ones by the closest paragraph counts; structure is the
(preambular, operative) count pair; the cue sequence is compared after dropping
a trailing "of"/"its commitment"; citations are compared per (paragraph label,
target) with the graph's paragraphs aligned to the expected ones by their cues;
optional cites never count either way; a reporting mandate is found when an
operative paragraph mandates a report to ``session/cnd/N``.

One deliberate difference: the ``also`` targets of a required cite (the rest of
a joint symbol) are accepted like those of an optional cite instead of counting
as false positives. No shared expectation has such a cite yet.

Every scored thing is an *item* with a stable key, ``TEXT:RESOLUTION:KIND[:...]``
(``ga_1972_3012:GA 3012 (XXVII):cite:op2:res/ga/2719-XXV``), so that two runs can be
compared item by item; false positives are keys too (``...:extra:op2:doc/E-1234``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from cndkg.evaluate.expectations import (
    LABEL,
    ExpectedCite,
    ExpectedResolution,
    ExpectedText,
    iri_matches,
    normalise_symbol,
    symbol_printed,
    target_suffix,
)
from cndkg.evaluate.observe import ObservedParagraph, ObservedResolution
from cndkg.iris import Minter
from cndkg.namespaces import DEFAULT_BASE

ACCEPTED_EXTRAS = {
    "treaty/1966-icescr": "res/ga/2200-A-XXI",
    "standard/alternative-development-guiding-principles": "res/ga/68/196",
    "treaty/1948-udhr": "res/ga/217-A-III",
}
"""An instrument modelled as its own entity beside the resolution adopting it: citing it is no false positive
where the resolution is expected."""

_CUE_OBJECT = re.compile(r"\s+(of|its commitment)$")


@dataclass
class Counts:
    """The scores of one text or of several added together."""

    structure: int = 0
    structure_n: int = 0
    cues: int = 0
    cues_n: int = 0
    identifiers: int = 0
    identifiers_n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    mandates: int = 0
    mandates_n: int = 0
    extra_mandates: int = 0
    crashed: int = 0

    def add(self, other: Counts) -> None:
        """Add another text's counts to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def precision(self) -> float:
        """Return the citations' precision (1.0 with no citation found)."""
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """Return the citations' recall (1.0 with no citation expected)."""
        return self.tp / max(1, self.tp + self.fn)

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        return 2 * self.precision * self.recall / max(1e-9, self.precision + self.recall)


@dataclass
class TextResult:
    """The comparison of one text: counts, scored items (key -> passed), false positives and notes."""

    name: str
    counts: Counts = field(default_factory=Counts)
    items: dict[str, bool] = field(default_factory=dict)
    extras: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def score(self, key: str, passed: bool, note: str | None = None) -> None:
        """Record an item (made unique if the key repeats) and, when it failed, its note."""
        unique, n = key, 1
        while unique in self.items:
            n += 1
            unique = f"{key}#{n}"
        self.items[unique] = passed
        if not passed and note:
            self.notes.append(note)


def crashed_text(expected: ExpectedText, source: str, error: str) -> TextResult:
    """Return the result of a text that produced no graph: every expected item fails."""
    result = TextResult(expected.name, error=error)
    result.counts.crashed = 1
    for key, resolution in _resolution_keys(expected):
        _score_missing(result, key, resolution, source)
    return result


def compare_text(expected: ExpectedText, observed: Sequence[ObservedResolution], source: str) -> TextResult:
    """Compare the resolutions observed in a text's graph with its expectations.

    Takes the expectations, the observed resolutions (sorted by IRI) and the
    source text (to tell a printed symbol from an inferred one).
    """
    result = TextResult(expected.name)
    keyed = _resolution_keys(expected)
    by_symbol = _match_by_symbol([r for _, r in keyed], observed)
    used = {r.iri for r in by_symbol.values()}
    for index, (key, resolution) in enumerate(keyed):
        _score_identifier(result, key, resolution, source, found=index in by_symbol)
        candidate = by_symbol.get(index)
        if candidate is None:
            candidate = _closest_by_counts(resolution, [r for r in observed if r.iri not in used])
        if candidate is None:
            result.notes.append(f"{key}: not found")
            _score_missing(result, key, resolution, source, identifier=False)
            continue
        used.add(candidate.iri)
        _score_found(result, key, resolution, candidate)
    return result


def _resolution_keys(expected: ExpectedText) -> list[tuple[str, ExpectedResolution]]:
    """Return each expected resolution with its item-key prefix ``TEXT:SYMBOL`` (unique within the text)."""
    out: list[tuple[str, ExpectedResolution]] = []
    seen: dict[str, int] = {}
    for resolution in expected.resolutions:
        base = f"{expected.name}:{resolution.key}"
        seen[base] = seen.get(base, 0) + 1
        out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", resolution))
    return out


def _match_by_symbol(
    expected: Sequence[ExpectedResolution], observed: Sequence[ObservedResolution]
) -> dict[int, ObservedResolution]:
    """Return expected index -> the first observed resolution (not taken yet) that bears its symbol."""
    out: dict[int, ObservedResolution] = {}
    for index, resolution in enumerate(expected):
        want = normalise_symbol(resolution.symbol)
        if want is None:
            continue
        for candidate in observed:
            taken = any(c.iri == candidate.iri for c in out.values())
            if not taken and want in {normalise_symbol(i) for i in candidate.identifiers}:
                out[index] = candidate
                break
    return out


def _closest_by_counts(
    resolution: ExpectedResolution, candidates: Sequence[ObservedResolution]
) -> ObservedResolution | None:
    """Return the candidate whose paragraph counts are closest to the expected ones (first on a tie)."""
    best: tuple[int, ObservedResolution] | None = None
    for candidate in candidates:
        distance = abs(len(candidate.preambular) - resolution.preambular_count) + abs(
            len(candidate.operative) - resolution.operative_count
        )
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best[1] if best else None


def _score_identifier(
    result: TextResult, key: str, resolution: ExpectedResolution, source: str, *, found: bool
) -> None:
    """Score whether a printed symbol became the resolution's identifier (not scored when not printed)."""
    if resolution.symbol and symbol_printed(resolution.symbol, source):
        result.counts.identifiers_n += 1
        result.counts.identifiers += found
        result.score(f"{key}:identifier", found, f"{key}: identifier not in graph")


def _score_missing(
    result: TextResult, key: str, resolution: ExpectedResolution, source: str, *, identifier: bool = True
) -> None:
    """Score a resolution the graph does not hold: every item it expects fails."""
    counts = result.counts
    if identifier:
        _score_identifier(result, key, resolution, source, found=False)
    counts.structure_n += 1
    result.score(f"{key}:structure", False)
    if not resolution.unsure_cues:
        counts.cues_n += 1
        result.score(f"{key}:cues", False)
    for cite in resolution.cites:
        suffix = target_suffix(cite.target)
        if not cite.optional and suffix is not None and LABEL.fullmatch(cite.paragraph):
            counts.fn += 1
            result.score(f"{key}:cite:{cite.paragraph}:{suffix}", False)
    if resolution.mandate_session:
        counts.mandates_n += 1
        result.score(f"{key}:mandate:session/cnd/{resolution.mandate_session}", False)


def _score_found(result: TextResult, key: str, resolution: ExpectedResolution, observed: ObservedResolution) -> None:
    """Score structure, cues, citations and mandates of a resolution matched in the graph."""
    counts = result.counts
    got = (len(observed.preambular), len(observed.operative))
    want = (resolution.preambular_count, resolution.operative_count)
    counts.structure_n += 1
    counts.structure += got == want
    result.score(f"{key}:structure", got == want, f"{key}: paragraphs {got[0]}/{got[1]} want {want[0]}/{want[1]}")
    if not resolution.unsure_cues:
        same = expected_cues(resolution) == observed_cues(observed)
        counts.cues_n += 1
        counts.cues += same
        result.score(f"{key}:cues", same, f"{key}: cues differ")
    _score_citations(result, key, resolution, observed)
    _score_mandates(result, key, resolution, observed)


def expected_cues(resolution: ExpectedResolution) -> list[str]:
    """Return the expected cue sequence (preambular then operative), lower-cased."""
    return [(v or "").strip().lower() for v in resolution.preambular_verbs + resolution.operative_verbs]


def observed_cues(observed: ObservedResolution) -> list[str]:
    """Return the graph's cue sequence, lower-cased, without a trailing "of" or "its commitment"."""
    cues = [(p.cue or "").strip().lower() for p in observed.preambular + observed.operative]
    return [_CUE_OBJECT.sub("", c) for c in cues]


def align(expected: Sequence[str | None], observed: Sequence[str | None]) -> dict[int, int]:
    """Map expected paragraph index -> graph paragraph index by their cue sequences.

    Equal cues and equal-sized runs of different cues map in order; in a run of
    different sizes a paragraph maps to the next graph paragraph with the same
    first word, else stays unaligned.
    """
    want = [" ".join((c or "").lower().split()) for c in expected]
    got = [" ".join((c or "").lower().split()) for c in observed]
    out: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            out.update({i1 + k: j1 + k for k in range(i2 - i1)})
        elif op == "replace":
            j = j1
            for i in range(i1, i2):
                first = want[i].split()[:1]
                hit = next((jj for jj in range(j, j2) if got[jj].split()[:1] == first), None)
                if hit is not None:
                    out[i], j = hit, hit + 1
    return out


def paragraphs_by_label(
    resolution: ExpectedResolution, observed: ObservedResolution
) -> dict[str, list[ObservedParagraph]]:
    """Return expected label (``pp1``, ``op3``) -> the graph paragraphs that stand for it.

    A graph paragraph no expected one aligns with (a split-off tail) goes with the
    aligned paragraph before it, or under ``pp-unaligned``/``op-unaligned``.
    """
    out: dict[str, list[ObservedParagraph]] = {}
    kinds = (
        ("pp", observed.preambular, resolution.preambular_verbs, resolution.preambular_count),
        ("op", observed.operative, resolution.operative_verbs, resolution.operative_count),
    )
    for prefix, paragraphs, verbs, count in kinds:
        cues = [*verbs, *([None] * max(0, count - len(verbs)))][:count]
        mapping = align(cues, [p.cue for p in paragraphs])
        for want, got in mapping.items():
            out[f"{prefix}{want + 1}"] = [paragraphs[got]]
        back = {got: want for want, got in mapping.items()}
        last: str | None = None
        for index, paragraph in enumerate(paragraphs):
            if index in back:
                last = f"{prefix}{back[index] + 1}"
            else:
                out.setdefault(last or f"{prefix}-unaligned", []).append(paragraph)
    return out


@dataclass
class _Wanted:
    """The expected cites of a resolution sorted by how they count."""

    required: list[tuple[str, str, str]] = field(default_factory=list)  # (key label, graph label, suffix)
    optional: list[tuple[str, str]] = field(default_factory=list)  # (graph label, suffix)
    no_iri: list[tuple[str, str]] = field(default_factory=list)  # (graph label, surface)


def _sort_cites(cites: Iterable[ExpectedCite], labels: dict[str, list[ObservedParagraph]], first_op: int) -> _Wanted:
    """Split the expected cites into required, optional and those whose target has no IRI."""
    wanted = _Wanted()
    for cite in cites:
        label = _shift(cite.paragraph, first_op)
        suffix = target_suffix(cite.target)
        if suffix is None:
            if label in labels:
                wanted.no_iri.append((label, cite.surface))
            continue
        also = [s for s in (target_suffix(a) for a in cite.also) if s is not None]
        if cite.optional or (label not in labels and not LABEL.fullmatch(label)):
            wanted.optional.extend((label, s) for s in [suffix, *also])
        else:
            wanted.required.append((cite.paragraph, label, suffix))
            wanted.optional.extend((label, s) for s in also)
    return wanted


def _shift(label: str, first_op: int) -> str:
    """Return a fragment's printed operative label as a position (``op9`` -> ``op1`` when op9 is first)."""
    match = re.fullmatch(r"op(\d+)", label)
    return f"op{int(match[1]) - first_op + 1}" if match and first_op > 1 else label


def _score_citations(
    result: TextResult, key: str, resolution: ExpectedResolution, observed: ObservedResolution
) -> None:
    """Count each required cite found (tp) or missed (fn), and each unexpected graph cite (fp)."""
    labels = paragraphs_by_label(resolution, observed)
    got = {(label, target) for label, paragraphs in labels.items() for p in paragraphs for target in p.cites}
    wanted = _sort_cites(resolution.cites, labels, resolution.first_operative_number)
    matched: set[tuple[str, str]] = set()
    for key_label, label, suffix in wanted.required:
        hits = {x for x in got if x[0] == label and iri_matches(x[1], suffix)}
        result.counts.tp += bool(hits)
        result.counts.fn += not hits
        result.score(f"{key}:cite:{key_label}:{suffix}", bool(hits), f"miss {label} {suffix}")
        matched |= hits
    for label, target in sorted(got - matched):
        if not _excused(label, target, wanted, labels):
            result.counts.fp += 1
            result.extras.append(f"{key}:extra:{label}:{iri_tail(target)}")
            result.notes.append(f"extra {label} {iri_tail(target)}")


def _excused(label: str, target: str, wanted: _Wanted, labels: dict[str, list[ObservedParagraph]]) -> bool:
    """Return True when a graph cite no required cite matched is still no false positive."""
    allowed = wanted.optional + [(lab, suf) for _, lab, suf in wanted.required]
    if any(lab == label and iri_matches(target, suf) for lab, suf in allowed):
        return True
    for instrument, resolution in ACCEPTED_EXTRAS.items():
        if iri_matches(target, instrument) and any(
            lab == label and iri_matches("/" + resolution, suf) for lab, suf in allowed
        ):
            return True
    surfaces = [surface for lab, surface in wanted.no_iri if lab == label]
    if surfaces:
        matched = " ".join(m for p in labels[label] for m in p.matched_texts.get(target, ()))
        return any(len(_words(s) & _words(matched)) >= 3 for s in surfaces)
    return False


def _words(text: str) -> set[str]:
    """Return the words of four or more letters or digits, lower-cased."""
    return set(re.findall(r"[a-z0-9]{4,}", text.lower()))


def _score_mandates(result: TextResult, key: str, resolution: ExpectedResolution, observed: ObservedResolution) -> None:
    """Score the expected reporting mandate; note (not score) mandates that are not expected."""
    session = resolution.mandate_session
    due = f"session/cnd/{session}"
    for mandate in observed.mandates:
        if session and any(d.rstrip("/").endswith(due) for d in mandate.due):
            continue
        result.counts.extra_mandates += 1
        to = "/".join(mandate.due[0].split("/")[-3:]) if mandate.due else "?"
        result.notes.append(f"extra mandate {mandate.by.rsplit('#', 1)[-1]} -> {to}")
    if session:
        ok = any(m.direct and any(d.rstrip("/").endswith(due) for d in m.due) for m in observed.mandates)
        result.counts.mandates_n += 1
        result.counts.mandates += ok
        result.score(f"{key}:mandate:{due}", ok, f"mandate to session {session} missing")


def iri_tail(iri: str) -> str:
    """Return an IRI without the dataset's base (``https://w3id.org/cndkg/id/doc/E-1`` -> ``doc/E-1``)."""
    for base in (Minter().identifier_space, DEFAULT_BASE):
        if iri.startswith(base):
            return iri[len(base) :]
    return re.sub(r"^[a-z]+://", "", iri)
