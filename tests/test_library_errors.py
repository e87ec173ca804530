"""The library's errors name API parameters; only the command line speaks of flags."""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cndkg
from cndkg.cli import build_parser
from cndkg.errors import CndkgError
from cndkg.reporting import flag_spelling
from cndkg.resources import data_dir

SRC = Path(__file__).resolve().parent.parent / "src" / "cndkg"
# The command-line layer: it may (and should) name flags. Elsewhere a flag may appear only in a whole
# command line ("cndkg serve --watch did not start") or as an argument list for another program.
CLI_MODULES = {"cli.py", "commands.py", "reporting.py", "watch.py", "evaluate/command.py", "evaluate/report.py"}


def _flags() -> set[str]:
    """Return every long option of every cndkg command."""
    parser = build_parser()
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                found |= {o for a in command._actions for o in a.option_strings if o.startswith("--")}
    return found - {"--help"}


def _messages(path: Path) -> list[tuple[int, str]]:
    """Return the string constants of a module that read as messages (they hold a space)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A string standing alone as a statement is documentation (of a module, function, class or constant).
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value
        if id(node) not in docstrings
    ]


def test_no_library_message_quotes_a_command_line_flag() -> None:
    flags = _flags()
    assert {"--skip-bad-sources", "--validator", "--base-uri", "--ocr"} <= flags
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {flag}"
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).as_posix() not in CLI_MODULES
        for line, text in _messages(path)
        for flag in flags
        if re.search(rf"(?<![\w-]){flag}(?![\w-])", text) and not text.lstrip().startswith("-") and "cndkg " not in text
    ]
    assert offenders == []


def test_a_library_error_names_the_api_parameter_and_the_cli_shows_the_flag(tmp_path: Path) -> None:
    bad = tmp_path / "src" / "broken.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF-1.4 this is not a PDF")
    good = sorted(data_dir("corpus").glob("*.txt"))[0]
    shutil.copyfile(good, tmp_path / "src" / good.name)
    with pytest.raises(CndkgError) as raised:
        cndkg.publish([tmp_path / "src"], tmp_path / "out")
    assert "skip_bad_sources=True" in str(raised.value) and "--" not in str(raised.value)
    result = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "build", str(tmp_path / "src"), "--out", str(tmp_path / "out2")],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 2
    assert "--skip-bad-sources" in result.stderr and "skip_bad_sources=True" not in result.stderr


@pytest.mark.parametrize(
    ("library", "shown"),
    [
        ("fix them, or pass skip_bad_sources=True to publish the rest", "fix them, or pass --skip-bad-sources to"),
        ("base= must be an http(s) URI ending in '/': 'x'", "--base-uri must be an http(s) URI"),
        ("query 'q' needs a value for its parameter 'target' (params={'target': VALUE})", "(--param target=VALUE)"),
        ("build with validator='pyshacl'", "build with --validator pyshacl"),
        ("it needs OCR; run again with ocr=True", "run again with --ocr"),
    ],
)
def test_flag_spelling_table(library: str, shown: str) -> None:
    assert shown in flag_spelling(library)


@pytest.mark.parametrize(
    "text", ["x.txt:3: warning: unresolved resolution 'database=x'", "notes/graph=FILE.txt", "an unnamed_graph=b"]
)
def test_flag_spelling_leaves_other_words_alone(text: str) -> None:
    assert flag_spelling(text) == text
