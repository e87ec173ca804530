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

    Each block re-enables the collector only if it found it enabled, so nested
    blocks work and the collector is never left off once every block ended. A
    block overlapping another thread's may run its end with the collector on
    (the pause is an optimisation, never needed for correctness). Workers forked
    inside a block collect as usual (:mod:`cndkg.forking` turns it on in them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
