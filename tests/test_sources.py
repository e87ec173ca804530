"""Source names: every file is named by its resolved path relative to the resolved root, however it was reached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cndkg.pipeline import collect_sources
from cndkg.publish.atomic import OUTPUT_MARKER
from cndkg.read import SUPPORTED_SUFFIXES


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


def _walked(folder: Path) -> tuple[list[str], list[str]]:
    """The reference: os.walk, resolving every path (what collect_sources did before it read directory entries)."""
    inside, found, problems = folder.resolve(), [], []
    for current, folders, files in os.walk(folder):
        here = Path(current)
        kept = []
        for name in sorted(folders):
            sub = here / name
            if sub.is_symlink():
                if not _inside(sub, inside):
                    problems.append(sub.relative_to(folder).as_posix())
            elif not (sub / OUTPUT_MARKER).exists():
                kept.append(name)
        folders[:] = kept
        for name in files:
            file = here / name
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if file.is_symlink() and not _inside(file, inside):
                problems.append(file.relative_to(folder).as_posix())
            elif file.is_file():
                found.append(file)
    return [f.resolve().relative_to(inside).as_posix() for f in sorted(found)], problems


def _inside(link: Path, folder: Path) -> bool:
    try:
        return link.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a loop of links
        return False


def test_the_walk_finds_what_resolving_every_path_finds(tmp_path: Path) -> None:
    """Links in and out, folders named like files, broken links and loops, cndkg's output, odd names."""
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.txt").write_text("x", encoding="utf-8")
    src = _tree(tmp_path)
    (src / "folder.txt").mkdir()  # a folder with a source's suffix is walked, not read
    (src / "folder.txt" / "inner.TXT").write_text("x", encoding="utf-8")
    (src / "out-link").symlink_to(outside)
    (src / "out-link.md").symlink_to(outside / "sub")  # a link to a folder, named like a file
    (src / "secret.txt").symlink_to(outside / "secret.txt")
    (src / "broken.txt").symlink_to(src / "missing.txt")
    (src / "loop.txt").symlink_to(src / "loop.txt")  # following it fails: a loop of links
    (src / "loop-dir").symlink_to(src / "loop-dir")
    (src / "through.txt").symlink_to(src / "a.txt" / "y")  # through a file: not a folder
    (src / "..txt").write_text("x", encoding="utf-8")  # a suffix, as pathlib reads it
    (src / ".md").write_text("x", encoding="utf-8")  # a hidden file without a suffix
    (src / "in-link").symlink_to(src / "s60")
    (src / "dist" / "res").mkdir(parents=True)
    (src / "dist" / OUTPUT_MARKER).write_text("", encoding="utf-8")
    (src / "dist" / "res" / "page.html").write_text("x", encoding="utf-8")
    expected_names, expected_problems = _walked(src)
    sources, problems = collect_sources([str(src)])
    assert sorted(s.name for s in sources) == sorted(dict.fromkeys(expected_names))
    assert [p.source for p in problems] == expected_problems
    assert {"folder.txt/inner.TXT", "a.txt", "..txt"} <= {s.name for s in sources}
    assert ".md" not in {s.name for s in sources}
    assert sorted(expected_problems) == ["loop.txt", "out-link", "out-link.md", "secret.txt"]
