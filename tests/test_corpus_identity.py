"""Who a text is, whatever the other files say: conflicts, copies, stable IRIs (hardening issue, 12-14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADOPTED = (ROOT / "corpus" / "003_91e135f48c662bd6.txt").read_text("utf-8")
DRAFT = ROOT / "corpus" / "000_2f17f4ab06ea2e9a.txt"


def cndkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cndkg.cli", *args], capture_output=True, text=True, check=False, timeout=600
    )


def test_a_forged_copy_of_a_symbol_stops_the_build_naming_both_files(tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "a-forged.txt").write_text(ADOPTED.replace("Recognizing that", "Denying that", 1), encoding="utf-8")
    (sources / "z-real.txt").write_text(ADOPTED, encoding="utf-8")
    result = cndkg("build", str(sources), "--out", str(tmp_path / "out"), "--no-site", "--quiet", "--no-cache")
    assert result.returncode == 2
    assert "different texts claim 57/4" in result.stderr
    assert "2 source(s) claim a symbol that another text claims with other words" in result.stderr
    assert "could not be read" not in result.stderr
    assert "a-forged.txt" in result.stderr and "z-real.txt" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_copy_in_a_compilation_and_alone_is_one_entity_from_both_files(tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "alone.txt").write_text(ADOPTED, encoding="utf-8")
    (sources / "again.txt").write_text(ADOPTED, encoding="utf-8")
    out = tmp_path / "out"
    assert cndkg("build", str(sources), "--out", str(out), "--no-site", "--quiet", "--no-cache").returncode == 0
    dump = (out / "cndkg.nt").read_text(encoding="utf-8")
    derived = [line for line in dump.splitlines() if line.startswith("<https://w3id.org/cndkg/id/res/cnd/57/4> ")]
    assert sum("wasDerivedFrom" in line for line in derived) == 2


def test_adding_a_copy_of_a_published_text_never_renames_anything(tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "m-draft.txt").write_text(DRAFT.read_text("utf-8"), encoding="utf-8")
    (sources / "n-adopted.txt").write_text(ADOPTED, encoding="utf-8")

    def subjects(out: Path) -> set[str]:
        assert cndkg("build", str(sources), "--out", str(out), "--no-site", "--quiet", "--no-cache").returncode == 0
        lines = (out / "cndkg.nt").read_text(encoding="utf-8").splitlines()
        return {line.split(" ", 1)[0] for line in lines if "/id/res/" in line.split(" ", 1)[0] or "/id/draft/" in line}

    before = subjects(tmp_path / "one")
    # a file whose name sorts first, holding another copy of the adopted text and an unrelated text
    (sources / "a-copy.txt").write_text(ADOPTED, encoding="utf-8")
    after = subjects(tmp_path / "two")
    assert before <= after
