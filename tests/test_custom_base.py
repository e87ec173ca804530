"""A dataset built under another base: identifiers, library defaults and query output all follow it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BASE = "https://example.org/kg/"


def cndkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cndkg.cli", *args], capture_output=True, text=True, check=False, timeout=600
    )


def test_custom_base_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = cndkg("build", "--out", str(out), "--base-uri", BASE, "--no-site", "--quiet", "--no-cache")
    assert built.returncode == 0, built.stderr
    dump = (out / "cndkg.nt").read_text(encoding="utf-8")
    assert "https://w3id.org/cndkg/id/" not in dump
    graph = str(out / "cndkg.nt")
    # a library question with its default parameter (written under the default base in the .rq file)
    default = cndkg("query", "recalled-by", "--graph", graph, "--format", "csv")
    assert default.returncode == 0, default.stderr
    assert len(default.stdout.strip().splitlines()) == 2
    # an id: name, expanded under the dataset's base read from its void.ttl
    named = cndkg("query", "recalled-by", "--graph", graph, "--param", "target=id:res/cnd/61/11", "--format", "csv")
    assert named.stdout == default.stdout
    shown = cndkg("query", "recalled-by", "--graph", graph, "--param", "target=id:res/cnd/61/11", "--show")
    query_lines = [line for line in shown.stdout.splitlines() if not line.startswith("#")]  # not the header comments
    assert any(f"<{BASE}id/res/cnd/61/11>" in line for line in query_lines)
    assert not any("w3id.org/cndkg/id" in line for line in query_lines)
    # table output shortens identifiers of this base to id:
    table = cndkg("query", "recalled-by", "--graph", graph)
    assert "id:draft/cnd/67/" in table.stdout and "w3id.org" not in table.stdout
