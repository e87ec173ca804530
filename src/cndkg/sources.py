"""A source file as the read stage takes it: where it is, and the name it is reported and recorded under."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read and the name it is reported and recorded under."""

    path: Path
    name: str
