"""Stage 7, publish: dumps, dataset description, static site and search index.

``cndkg.publish`` is also the library API's fourth call (:func:`cndkg.api.publish`). Once this package
is imported, Python binds the name ``cndkg.publish`` to it, so the package itself is callable and hands
the call to the API function: ``cndkg.publish(["corpus"], "dist")`` works either way.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    """The publish package, callable as :func:`cndkg.api.publish`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from cndkg.api import publish

        return publish(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
