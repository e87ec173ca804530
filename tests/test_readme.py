"""The README's promises: its SPARQL examples answer on the sample graph; its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cndkg.build import BuildOptions, build
from cndkg.cli import build_parser
from cndkg.query import run
from cndkg.query.engines import load_store

from .conftest import CORPUS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```sparql\n(.*?)```", README, flags=re.S)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("readme") / "dist"
    build(BuildOptions(sources=[str(CORPUS)], out=out, site=False, root=CORPUS))
    return load_store(out / "cndkg.nt")


def test_readme_has_sparql_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("query", EXAMPLES, ids=lambda q: q.splitlines()[-3][:40])
def test_readme_sparql_example_answers(query: str, store) -> None:  # type: ignore[no-untyped-def]
    result = run(query, store=store)
    assert result.rows, "every README example returns rows on the bundled corpus"


def test_readme_commands_exist() -> None:
    commands = set(re.findall(r"`cndkg (\w+)", README))
    parser = build_parser()
    known = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert commands <= known, f"README names commands that do not exist: {sorted(commands - known)}"


def test_scripts_named_in_the_readme_exist() -> None:
    for script in ("scripts/build", "scripts/test"):
        assert f"bash {script}" in README
        assert (ROOT / script).is_file()
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert Path(ROOT / "corpus").is_dir()


LIBRARY_EXAMPLES = re.findall(r"## The library API\n.*?```python\n(.*?)```", README, flags=re.S)


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook-sized example of the library API runs as written, from the checkout's root."""
    assert len(LIBRARY_EXAMPLES) == 1
    (tmp_path / "corpus").symlink_to(CORPUS, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    exec(compile(LIBRARY_EXAMPLES[0], "README.md", "exec"), {})
    assert (tmp_path / "example-dist" / "cndkg.nt").is_file()
