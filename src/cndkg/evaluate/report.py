"""Text and JSON output of ``cndkg eval``."""

from __future__ import annotations

from typing import Any

from cndkg.evaluate.compare import Counts, TextResult
from cndkg.evaluate.run import Changes, CorpusResult, run_record

NOTES_SHOWN = 12
"""Notes printed per text unless all are asked for."""


def text_line(text: TextResult, *, all_notes: bool = False) -> str:
    """Return one text's line: structure, citation counts and notes (or its error)."""
    c = text.counts
    notes = [n.removeprefix(f"{text.name}:") for n in (text.notes if all_notes else text.notes[:NOTES_SHOWN])]
    if len(notes) < len(text.notes):
        notes = [*notes, f"... {len(text.notes) - len(notes)} more"]
    detail = f"crashed: {text.error}" if text.error else "; ".join(notes)
    return f"{text.name}: struct {c.structure}/{c.structure_n} cites tp={c.tp} fp={c.fp} fn={c.fn} {detail}".rstrip()


def total_line(counts: Counts) -> str:
    """Return the summary line ``eval: structure S/N, cues C/M, identifiers I/J, citations P R F1, ...``."""
    c = counts
    return (
        f"eval: structure {c.structure}/{c.structure_n}, cues {c.cues}/{c.cues_n}, "
        f"identifiers {c.identifiers}/{c.identifiers_n}, "
        f"citations P={c.precision:.2f} R={c.recall:.2f} F1={c.f1:.2f}, "
        f"mandates {c.mandates}/{c.mandates_n}, crashed {c.crashed}"
    )


def change_lines(found: Changes | None) -> list[str]:
    """Return the gains and losses section (or a line saying there is no recorded run)."""
    if found is None:
        return ["gains and losses: no recorded run (write one with --record)"]
    gains = [f"  + {k}" for k in found.gains] + [f"  + no longer extra: {k}" for k in found.gone_extras]
    losses = [f"  - {k}" for k in found.losses] + [f"  - new extra: {k}" for k in found.new_extras]
    return [f"gains ({len(gains)})", *gains, f"losses ({len(losses)})", *losses]


def corpus_lines(result: CorpusResult, found: Changes | None, *, all_notes: bool = False) -> list[str]:
    """Return the whole text report of one corpus folder."""
    lines = [text_line(t, all_notes=all_notes) for t in result.texts]
    return [*lines, total_line(result.counts), *change_lines(found)]


def corpus_json(result: CorpusResult, found: Changes | None) -> dict[str, Any]:
    """Return the machine-readable report of one corpus folder."""
    record = run_record(result)
    record["f1"] = round(result.counts.f1, 4)
    record["texts"] = [
        {"name": t.name, "counts": record_counts(t.counts), "error": t.error, "notes": t.notes} for t in result.texts
    ]
    record["changes"] = None if found is None else vars(found)
    return record


def record_counts(counts: Counts) -> dict[str, int]:
    """Return the counts as a plain mapping."""
    return dict(vars(counts))
