"""Time sense: a text cannot cite what did not exist yet (DESIGN.md, conventions added after the first release)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cndkg.find import Lexicon, find
from cndkg.read import read
from cndkg.registry import Registry
from cndkg.resolve import resolve
from cndkg.segment import segment

BASE = "https://w3id.org/cndkg/id/"


def _resolve(text: str, tmp_path: Path, lexicon: Lexicon, registry: Registry) -> tuple[set[str], list[str]]:
    source = tmp_path / "text.txt"
    source.write_text(text, encoding="utf-8")
    [record] = segment(read(source))
    resolved = resolve(record, find(record, lexicon), registry)
    targets = {c.target.removeprefix(BASE) for c in resolved.citations}
    unresolved = [d.message for d in resolved.diagnostics if d.code == "unresolved"]
    return targets, unresolved


CASES = [
    # (heading and date, paragraph, cited, left unresolved)
    (
        "1955/588(XX)D.Synthetic drugs\n\n3 August 1955",
        "Noting the draft Single Convention on Narcotic Drugs,",
        set(),
        1,
    ),
    (
        "1962/914(XXXIV)E.Co-operation\n\n3 August 1962",
        "Noting the Single Convention on Narcotic Drugs,",
        {"treaty/1961-single-convention"},
        0,
    ),
    (
        "E/RES/1987/33",
        "Noting the draft United Nations Convention against Illicit Traffic in Narcotic Drugs "
        "and Psychotropic Substances,",
        set(),
        1,
    ),
    ("3012(XXVII).Assistance", "Recalling its resolution 70/1,", set(), 1),
    ("3012(XXVII).Assistance", "Recalling its resolution 2719 (XXV),", {"res/ga/2719-XXV"}, 0),
    ("Resolution 57/4", "Recalling its resolution 61/11,", set(), 1),
    ("Resolution 64/3", "Recalling its resolution 61/11,", {"res/cnd/61/11"}, 0),
]


@pytest.mark.parametrize(
    ("heading", "paragraph", "cited", "unresolved"), CASES, ids=[c[1][:40] + c[0][:12] for c in CASES]
)
def test_a_text_cannot_cite_what_did_not_exist_yet(
    heading: str,
    paragraph: str,
    cited: set[str],
    unresolved: int,
    tmp_path: Path,
    lexicon: Lexicon,
    registry: Registry,
) -> None:
    body = (
        "The General Assembly,"
        if "(XXVII)" in heading
        else (
            "The Commission on Narcotic Drugs,"
            if heading.startswith("Resolution")
            else "The Economic and Social Council,"
        )
    )
    targets, notes = _resolve(
        f"{heading}\n\n{body}\n\n{paragraph}\n\n1. Decides to act.\n", tmp_path, lexicon, registry
    )
    assert targets == cited
    assert len(notes) == unresolved
    assert all("after the citing text" in note for note in notes)
