"""Full-text search for the static site: Pagefind indexes the written pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cndkg.errors import BuildError


def index_site(folder: Path) -> None:
    """Run Pagefind over the site in ``folder``; it writes ``folder/pagefind/``.

    Raises BuildError with Pagefind's own message when indexing fails.
    """
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"search index: pagefind failed: {(result.stderr or result.stdout).strip()[:500]}")
