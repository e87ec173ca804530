"""End-to-end tests of the command line: parse, cite, validate, build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cndkg.cli import main

from .conftest import CORPUS, SEED_ADOPTED_57_4, SEED_WEB_PAGE_57
from .helpers import tree_hashes


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cndkg.cli", *args], capture_output=True, text=True, check=False)


def test_parse_json_prints_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED_WEB_PAGE_57), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [record] = data["resolutions"]
    assert record["kind"] == "draft"
    assert record["header"]["sponsors"] == ["Israel", "Peru", "United States of America"]
    first = record["paragraphs"][0]
    assert {"kind", "position", "number", "cue", "text", "line", "eid"} <= set(first)
    assert record["iri"] == "https://w3id.org/cndkg/id/draft/cnd/57/supporting-recovery-from-substance-use-disorders"


def test_cite_lists_citations_with_target_relation_paragraph_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cite", str(SEED_ADOPTED_57_4), "--json"]) == 0
    citations = json.loads(capsys.readouterr().out)["citations"]
    first = next(c for c in citations if c["target"].endswith("res/cnd/54/5"))
    assert first["relation"].endswith("#reaffirms")
    assert first["paragraph"].endswith("57/4#pp4") and first["line"] == 15


def test_unreadable_source_exits_2_with_file_and_line_but_good_files_are_processed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("“smart”".encode("cp1252"))
    result = run("parse", str(bad), str(SEED_ADOPTED_57_4))
    assert result.returncode == 2
    assert f"{bad}:1: error: byte 0x93" in result.stderr
    assert "adopted 57/4" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    assert run("build", "--no-site", "--out", str(tmp_path / "out"), "--quiet").returncode == 0
    good.write_bytes((tmp_path / "out" / "cndkg.ttl").read_bytes())
    assert run("validate", str(good)).returncode == 0
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        good.read_text(encoding="utf-8")
        + '\n<https://w3id.org/cndkg/id/res/cnd/57/4> <http://purl.org/dc/terms/identifier> "fifty-seven" .\n',
        encoding="utf-8",
    )
    result = run("validate", str(broken), "--report", str(tmp_path / "report.ttl"))
    assert result.returncode == 1
    assert "003_91e135f48c662bd6.txt:1:" in result.stdout and "exactly one identifier" in result.stdout
    assert "sh:ValidationReport" in (tmp_path / "report.ttl").read_text(encoding="utf-8")
    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("this is not turtle", encoding="utf-8")
    assert run("validate", str(garbage)).returncode == 2


def test_failed_build_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run("build", "--no-site", "--out", str(out), "--quiet").returncode == 0
    before = tree_hashes(out)
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "strict.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix cndkg: <https://w3id.org/cndkg/ontology#> .\n"
        "<urn:x:NoSponsors> a sh:NodeShape ; sh:targetClass cndkg:DraftResolution ;"
        " sh:property [ sh:path cndkg:sponsor ; sh:maxCount 0 ] .\n",
        encoding="utf-8",
    )
    result = run("build", "--no-site", "--out", str(out), "--shapes", str(shapes), str(CORPUS))
    assert result.returncode == 1
    assert "does not conform" in result.stderr and "002_1a1e21a16f11ad66.txt:1:" in result.stderr
    assert tree_hashes(out) == before
    (shapes / "strict.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . <urn:x:Bad> a sh:NodeShape ; sh:path <urn:x:p> .\n", "utf-8"
    )
    result = run("build", "--no-site", "--out", str(out), "--shapes", str(shapes))
    assert result.returncode == 2 and "shapes are malformed" in result.stderr
    assert tree_hashes(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist-building")]
    (shapes / "strict.ttl").write_text("not turtle at all", encoding="utf-8")
    result = run("build", "--no-site", "--out", str(out), "--shapes", str(shapes))
    assert result.returncode == 2 and "strict.ttl: shapes file does not parse" in result.stderr
    assert tree_hashes(out) == before
