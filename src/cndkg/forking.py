"""Work spread over forked processes that share the parent's data as it was at the fork.

The graph, validation, dumps and site stages read large in-memory structures
(the resolved model, the Oxigraph store, the site's indexes). Forking shares
them copy-on-write instead of pickling them to each worker; only the work items
and the results cross processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Shared = TypeVar("Shared")
Item = TypeVar("Item")
Result = TypeVar("Result")

_task: tuple[Callable[[Any, Any], Any], Any] | None = None


def default_jobs(jobs: int | None) -> int:
    """Return the number of worker processes to use: ``jobs`` if given, else up to two (one per core)."""
    return jobs if jobs is not None else min(2, os.cpu_count() or 1)


def can_fork() -> bool:
    """Return whether this platform can fork worker processes."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_map(
    function: Callable[[Shared, Item], Result], shared: Shared, items: Sequence[Item], jobs: int
) -> list[Result]:
    """Return ``[function(shared, item) for item in items]``, computed on ``jobs`` forked processes.

    ``shared`` is inherited by the workers, never pickled; items and results are.
    Runs in this process when ``jobs`` is 1, there is a single item, or the
    platform cannot fork. Results keep the order of ``items``.
    """
    return list(fork_imap(function, shared, items, jobs))


def fork_imap(
    function: Callable[[Shared, Item], Result], shared: Shared, items: Sequence[Item], jobs: int
) -> Iterator[Result]:
    """Yield ``function(shared, item)`` for each item in order, as soon as each is ready (see :func:`fork_map`).

    The caller can work on one result while the workers compute the next ones.
    """
    global _task
    if jobs <= 1 or len(items) < 2 or not can_fork():
        for item in items:
            yield function(shared, item)
        return
    _task = (function, shared)
    # Without freeze(), the first full collection in a worker writes to every object's header and so
    # copies the parent's whole heap (gigabytes at 10,000 texts) page by page.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield from pool.map(_run, items)
    finally:
        gc.unfreeze()
        _task = None


def _run(item: Any) -> Any:
    """Run the current task on one item, in a worker (the task came with the fork)."""
    assert _task is not None, "fork_map's task is set before the workers fork"
    function, shared = _task
    return function(shared, item)
