"""How the command line shows diagnostics: one ``file:line: severity: message`` line each, on standard error."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cndkg.model import Diagnostic, Severity


def report(diagnostics: Sequence[Diagnostic], *, minimum: Severity = Severity.WARNING) -> None:
    """Print diagnostics at or above ``minimum`` to standard error, one ``file:line:`` line each."""
    order = [Severity.INFO, Severity.WARNING, Severity.ERROR]
    for diagnostic in diagnostics:
        if order.index(diagnostic.severity) >= order.index(minimum):
            print(str(diagnostic), file=sys.stderr)
