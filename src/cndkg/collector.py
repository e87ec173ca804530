"""When Python's cycle collector may run: not while a stage builds a corpus's worth of objects.

CPython's collector runs a full collection each time the objects that survived
collections grow by a quarter, and each one visits every object alive. A stage
that decodes, resolves or indexes a corpus creates millions of long-lived
objects and almost no garbage cycles, so those collections find nothing: at
10,000 texts they took 11 of the 45 seconds of reading and resolving the
corpus. Such stages run inside :func:`paused`; the few cycles they leave are
collected once it ends, by the collector's next run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block without automatic cycle collection; restore the collector's state after it.

    Nested or concurrent blocks are safe: each re-enables the collector only
    if it found it enabled, so it is never left off by a block that ended.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
