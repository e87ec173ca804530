"""Full-text search for the static site: Pagefind indexes the written pages.

Pagefind runs on one core, so the build starts it in the background as soon
as the entity and index pages are written and writes the dumps meanwhile; it
indexes only the page folders (``--glob``), never files still being written
(the home page, the dumps) and not the 404 page.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from cndkg.errors import BuildError


class Indexer:
    """A running Pagefind process."""

    def __init__(self, folder: Path, sections: list[str] | None) -> None:
        command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--silent"]
        if sections:
            pattern = sections[0] if len(sections) == 1 else "{" + ",".join(sections) + "}"
            command += ["--glob", f"{pattern}/**/*.html"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait(self) -> None:
        """Wait for Pagefind to finish; raise BuildError with its message if it failed."""
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise BuildError(f"search index: pagefind failed: {(output or '').strip()[:500]}")

    def stop(self) -> None:
        """Kill Pagefind if it is still running (by its PID) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.communicate(timeout=30)


@contextlib.contextmanager
def background_index(folder: Path, sections: list[str] | None) -> Iterator[Indexer]:
    """Start Pagefind over ``folder`` and yield it; when the block ends it is stopped if still running.

    Takes the site folder and the top-level page folders to index. The block
    must call :meth:`Indexer.wait` to keep the index; leaving early (an error,
    an interrupt) kills the process, so no indexer outlives a failed build.
    """
    indexer = Indexer(folder, sections)
    try:
        yield indexer
    finally:
        indexer.stop()
