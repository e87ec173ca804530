"""Where the declarative data folders are: inside the installed package, or the checkout.

``ontology/``, ``shapes/``, ``site/`` and ``corpus/`` sit at the top of the
repository and are copied into the wheel as ``cndkg/_data/...``, so cndkg works
outside the checkout; in an editable install the checkout's folders are used.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (ontology, shapes, site or corpus).

    Takes the folder name. Returns the packaged copy when installed from a wheel,
    else the checkout's top-level folder; raises FileNotFoundError if neither exists.
    """
    for candidate in (_PACKAGE / "_data" / name, _CHECKOUT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cndkg data folder {name!r} is missing from this installation")
