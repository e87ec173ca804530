"""Atomic output: build into a temporary sibling folder, swap it in only on success.

A failed, interrupted (SIGINT, SIGTERM) or crashed build leaves the previous
output folder exactly as it was; the temporary folder is removed. The swap is
two renames on the same file system (old -> backup, new -> out), then the
backup is deleted, so at every instant a complete folder stands at ``out``
except between the two renames, where the backup holds it.

One build at a time writes an output folder: :func:`output_lock` holds an
exclusive lock on ``.<out>.lock`` beside it for the whole build, and a second
build into the same folder stops at once (exit 2, one line). Under the lock,
folders a killed build left behind (``.<out>-building-*``, ``.<out>-previous``)
are removed. A full disk ends the build with one line (exit 2); the previous
output stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from cndkg.errors import BuildError

OUTPUT_MARKER = _MARKER = ".cndkg-build"  # in every folder cndkg builds; such folders are never read as sources


class Interrupted(BaseException):
    """Raised inside a build when SIGTERM arrives, so cleanup runs as for Ctrl-C."""


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(f"signal {signum}")


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the exclusive lock on the output folder ``out`` while the block runs.

    Raises BuildError at once when another build holds it. The lock is the
    kernel's (``flock``): it goes with the process, so a killed build never
    leaves a stale lock. Folders a dead build left beside ``out`` are removed.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.with_name(f".{out.name}.lock")
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"{out.name}: another cndkg build is writing this folder; "
                "wait for it to end or choose another output folder"
            ) from None
        _remove_leftovers(out)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _remove_leftovers(out: Path) -> None:
    """Remove the staging and backup folders of builds that died (only called with the lock held)."""
    with _DELETING_LOCK:
        being_deleted = set(_DELETING)
    for folder in out.parent.glob(f".{out.name}-*"):
        if not folder.name.startswith((f".{out.name}-building-", f".{out.name}-previous")) or folder.is_symlink():
            continue
        if folder in being_deleted:  # a thread of this process is on it
            continue
        if folder.is_dir() and ((folder / _MARKER).exists() or not any(folder.iterdir())):
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(out: Path, discard: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``out``; on success it replaces ``out``.

    Takes the output folder, and how to delete the one it replaces (default:
    at once; :func:`discard_in_background` for a long-lived process that
    wants the new output served sooner). Yields the folder to write into. When the block
    raises (or SIGINT/SIGTERM arrives) the temporary folder is deleted and
    ``out`` is untouched. Refuses to replace a non-empty ``out`` that cndkg did
    not write (no marker file), so a mistyped ``--out ~`` cannot delete a home.
    """
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / _MARKER).exists())):
        raise BuildError(
            f"{out.name}: exists and was not written by cndkg; refusing to replace it (choose another output folder)"
        )
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=parent))
    previous = signal.getsignal(signal.SIGTERM)
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        (work / _MARKER).write_text("written by cndkg build; safe to replace\n", encoding="utf-8")
        yield work
        os.chmod(work, 0o755)
        _swap(work, out, discard or _discard_now)
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        if error.errno in _DISK_FULL:
            raise BuildError(
                f"{out.name}: no space left on the device while writing the build "
                f"({error.strerror or error}); the previous output is intact"
            ) from None
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)


def _swap(work: Path, out: Path, discard: Callable[[Path], None]) -> None:
    """Put ``work`` in place of ``out`` with renames; then discard the old folder."""
    backup = out.with_name(f".{out.name}-previous")
    if backup.exists():
        shutil.rmtree(backup)
    if out.exists():
        os.replace(out, backup)
    os.replace(work, out)
    if backup.exists():
        discard(backup)


def _discard_now(folder: Path) -> None:
    """Delete a replaced output folder before returning."""
    shutil.rmtree(folder, ignore_errors=True)


def discard_in_background(folder: Path) -> None:
    """Rename a replaced output folder out of the way and delete it on a daemon thread.

    Deleting the tens of thousands of files of a site takes seconds; ``serve
    --watch`` serves the new build meanwhile. If the process ends first, the
    next build removes what is left (a ``.<out>-previous-*`` folder, marked as
    cndkg's before anything is moved into it). Best effort: whatever goes wrong
    (the build has already succeeded) falls back to deleting at once.
    """
    _discard_on_thread(folder)


@contextlib.contextmanager
def discarding_alongside() -> Iterator[Callable[[Path], None]]:
    """Yield a way to discard a replaced output (for :func:`atomic_folder`) on a thread joined when the block ends.

    A one-off build ends once the old output is gone, as with deleting at
    once; but deleting (about 4 s for 10,000 texts' pages here, mostly in the
    kernel) overlaps with what the build does after the swap: recording its
    caches and freeing its graph and site data.
    """
    threads: list[threading.Thread] = []

    def discard(folder: Path) -> None:
        thread = _discard_on_thread(folder)
        if thread is not None:
            threads.append(thread)

    try:
        yield discard
    finally:
        for thread in threads:
            thread.join()


def _discard_on_thread(folder: Path) -> threading.Thread | None:
    """Move ``folder`` aside and start deleting it on a daemon thread; return the thread (None: deleted at once)."""
    doomed: Path | None = None
    try:
        doomed = Path(tempfile.mkdtemp(prefix=f"{folder.name}-", dir=folder.parent))
        (doomed / _MARKER).write_text("a replaced output being deleted\n", encoding="utf-8")
        os.replace(folder, doomed / "output")
        with _DELETING_LOCK:
            _DELETING.add(doomed)
        thread = threading.Thread(target=_delete_doomed, args=(doomed,), daemon=True)
        thread.start()
        return thread
    except Exception:  # the new output is in place: any failure here only costs time
        shutil.rmtree(folder, ignore_errors=True)
        if doomed is not None:
            with _DELETING_LOCK:
                _DELETING.discard(doomed)
            shutil.rmtree(doomed, ignore_errors=True)
        return None


_DELETING: set[Path] = set()
"""Folders this process's threads are deleting (the next build's clean-up leaves them to the thread)."""
_DELETING_LOCK = threading.Lock()


def _delete_doomed(doomed: Path) -> None:
    """Delete a discarded output, then its folder (whose marker lets the next build finish the job if cut short)."""
    try:
        shutil.rmtree(doomed / "output", ignore_errors=True)
        shutil.rmtree(doomed, ignore_errors=True)
    finally:
        with _DELETING_LOCK:
            _DELETING.discard(doomed)


def keep_or_write(target: Path, content: bytes, previous: Path | None) -> bool:
    """Write ``content`` to ``target``, or hard-link ``previous`` there if it holds the same bytes; True if linked.

    Creating and writing a file costs about ten times what linking one does, and
    most of a rebuild's files are what the previous build wrote. Linking is safe
    because no build writes a published file in place: each writes a new folder
    and swaps it in (and a path written twice in one build is unlinked first,
    so the second write never goes through a link into the previous output).
    """
    target.unlink(missing_ok=True)
    if previous is not None:
        try:
            if previous.stat().st_size == len(content) and previous.read_bytes() == content:
                os.link(previous, target)
                return True
        except OSError:
            pass  # gone, unreadable, or links not allowed here: write it
    target.write_bytes(content)
    return False


def in_folder(target: Path, write: Callable[[], object]) -> None:
    """Run ``write`` (which creates ``target``), making ``target``'s folder first only if it turns out missing.

    An entity's RDF files go into the folder its page was written to: trying
    first saves a ``mkdir`` per file (about 40 µs each, thousands a build).
    """
    try:
        write()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        write()


def keep_or_link(previous: Path, target: Path) -> None:
    """Hard-link a previous output file to ``target`` (a copy keeping its times where links cannot be made)."""
    target.unlink(missing_ok=True)
    try:
        os.link(previous, target)
    except OSError:
        shutil.copy2(previous, target)


def file_stamp(path: Path) -> tuple[int, int] | None:
    """Return a file's (size, modification time in ns), the stamp reuse records check; None if it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
