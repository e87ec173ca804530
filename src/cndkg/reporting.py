"""How the command line shows diagnostics: one ``file:line: severity: message`` line each, on standard error."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from cndkg.model import Diagnostic, Severity

# The library names the parameter that would change an outcome as the API spells it ("pass
# skip_bad_sources=True to publish the rest"); the command line shows its flag instead.
_FLAGS = (
    ("skip_bad_sources=True", "--skip-bad-sources"),
    ("validator='pyshacl'", "--validator pyshacl"),
    ("sparql_endpoint=", "--sparql-endpoint"),
    ("named_graph=", "--graph"),
    ("graph=FILE", "--graph FILE"),
    ("max_pages_per_source=", "--max-pages-per-source "),
    ("encoding='cp1252'", "--encoding cp1252"),
    ("ocr=True", "--ocr"),
    ("base=", "--base-uri"),
)
# Whole words only: a file name or a quoted text such as "database=x" keeps its spelling.
_SPELLINGS = re.compile(r"(?<![\w.=/-])(?:" + "|".join(re.escape(api) for api, _ in _FLAGS) + ")")
_FLAG_OF = dict(_FLAGS)
_PARAMS = re.compile(r"\(params=\{'(?P<name>\w+)': VALUE\}\)")


def flag_spelling(message: str) -> str:
    """Return a library message with the API's parameter spellings replaced by the command line's flags."""
    message = _PARAMS.sub(r"(--param \g<name>=VALUE)", message)
    return _SPELLINGS.sub(lambda match: _FLAG_OF[match.group(0)], message)


def report(diagnostics: Sequence[Diagnostic], *, minimum: Severity = Severity.WARNING) -> None:
    """Print diagnostics at or above ``minimum`` to standard error, one ``file:line:`` line each."""
    order = [Severity.INFO, Severity.WARNING, Severity.ERROR]
    for diagnostic in diagnostics:
        if order.index(diagnostic.severity) >= order.index(minimum):
            print(flag_spelling(str(diagnostic)), file=sys.stderr)
