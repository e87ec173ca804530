"""Run a reader of untrusted binary files (PDF, Word) in a child process with a memory and a time limit.

A decompression bomb, a page tree of 100,000 pages or a damaged file that sends
the parser into a long loop then ends as a one-line :class:`SourceError` for
that file, while the other sources are still read. Where ``fork`` is missing
the reader runs in the process itself.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from cndkg.errors import SourceError

MAX_READ_MEMORY = 1024 * 1024 * 1024
MAX_READ_SECONDS = 120.0

T = TypeVar("T")


def run_bounded(
    function: Callable[[bytes, str], T],
    data: bytes,
    name: str,
    *,
    memory: int = MAX_READ_MEMORY,
    seconds: float = MAX_READ_SECONDS,
) -> T:
    """Return ``function(data, name)`` computed in a child with at most ``memory`` more bytes and ``seconds``.

    Raises the child's :class:`SourceError`, or one saying the file needed more
    memory or time than the limits allow.
    """
    if not hasattr(os, "fork"):
        return function(data, name)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send the pickled answer, leave without running the parent's clean-ups
        status = 0
        try:
            os.close(read_end)
            _limit_memory(memory)
            answer: tuple[str, object]
            try:
                answer = ("ok", function(data, name))
            except SourceError as error:
                answer = ("error", (error.path, error.message, error.line))
            except MemoryError:
                answer = ("error", (name, _memory_message(memory), None))
            except RecursionError:
                answer = ("error", (name, "nested too deeply to read (a damaged or hostile file?)", None))
            except Exception as error:  # a damaged file can make a parser fail in any way
                answer = ("error", (name, f"cannot be read ({type(error).__name__}: {str(error)[:200]})", None))
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as stream:
                stream.write(payload)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    return _collect(pid, read_end, name, memory, seconds)


def _collect(pid: int, read_end: int, name: str, memory: int, seconds: float) -> T:  # type: ignore[type-var]
    """Read the child's answer before the deadline; kill it when time runs out."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise SourceError(name, f"reading took longer than {seconds:g} seconds; cndkg gave up on this file")
    if not chunks:
        if os.WIFSIGNALED(status):
            raise SourceError(
                name, _memory_message(memory) + f" (the reader was stopped by signal {os.WTERMSIG(status)})"
            )
        raise SourceError(name, "the reader stopped without an answer (a damaged file?)")
    kind, value = pickle.loads(b"".join(chunks))  # our own child's bytes, never the file's
    if kind == "error":
        path, message, line = value
        raise SourceError(path, message, line)
    return value  # type: ignore[no-any-return]


def _limit_memory(memory: int) -> None:
    """Cap the child's address space at what it has now plus ``memory`` bytes."""
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            current = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    limit = current + memory
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _memory_message(memory: int) -> str:
    return f"reading needs more than {memory // (1024 * 1024):,} MiB of memory (a decompression bomb?)"
