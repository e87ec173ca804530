"""Source names: every file is named by its resolved path relative to the resolved root, however it was reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from cndkg.pipeline import collect_sources


def _tree(tmp_path: Path) -> Path:
    """Return a source folder with nested files, a link inside it, and a link to the folder beside it."""
    real = tmp_path / "real" / "corpus"
    (real / "s60" / "deep").mkdir(parents=True)
    for name in ("a.txt", "s60/b.md", "s60/deep/c.html", "s60/deep/skip.bin"):
        (real / name).write_text("x", encoding="utf-8")
    (real / "s60" / "link-to-a.txt").symlink_to(real / "a.txt")
    (tmp_path / "alias").symlink_to(real)
    return real


@pytest.mark.parametrize(
    ("argument", "root"),
    [
        ("real/corpus", None),
        ("real/corpus", "real"),
        ("alias", None),  # the folder reached through a link
        ("alias", "real"),
        ("real/corpus/s60/../s60", "real/corpus"),
        ("real/corpus/s60", "elsewhere"),  # a root the files are not under: the path as given
    ],
)
def test_names_are_the_resolved_paths_relative_to_the_resolved_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argument: str, root: str | None
) -> None:
    _tree(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    shown = Path(root) if root is not None else Path(argument)
    sources, problems = collect_sources([argument], Path(root) if root is not None else None)
    leaves = argument.endswith("s60")  # the link inside s60 leads out of it: named, not followed
    assert [(p.code, Path(p.source).name) for p in problems] == ([("link-outside", "link-to-a.txt")] if leaves else [])
    assert sources, "the folder holds sources"
    for source in sources:
        try:
            expected = source.path.resolve().relative_to(shown.resolve()).as_posix()
        except ValueError:
            expected = source.path.as_posix()
        assert source.name == expected
    # The link inside the folder resolves to a.txt, which is already a source: it is read once.
    assert sum(1 for s in sources if s.path.resolve().name == "a.txt") == (0 if leaves else 1)
