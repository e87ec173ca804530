"""Errors that carry a ``file:line`` a person can act on."""

from __future__ import annotations


class CndkgError(Exception):
    """Base class of every error cndkg reports to the user (exit code 2)."""

    exit_code = 2


class SourceError(CndkgError):
    """A source file that cannot be read: names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class BuildError(CndkgError):
    """The build cannot go on (bad shapes, unreadable sources, an output problem)."""


class ValidationFailed(BuildError):
    """The graph does not conform to the shapes (exit code 1, as for ``cndkg validate``)."""

    exit_code = 1
