"""The peak memory of a process tree while something runs: the process, its forked workers, Pagefind, sort.

``ru_maxrss`` answers for one process at a time (``RUSAGE_CHILDREN`` gives the
largest single child, not a sum), so it cannot say what a build needs of the
machine. :class:`TreeSampler` runs a thread that, every ``period`` seconds,
finds the process and all its descendants (by the parent pid in each
``/proc/<pid>/stat``) and sums their memory, keeping the largest sum.

What is summed is each process's PSS (``Pss`` in ``/proc/<pid>/smaps_rollup``),
not its RSS: a page shared by N processes counts 1/N in each, so the
copy-on-write pages forked workers share with the main process count once in
the sum, where summed RSS would count them once per worker. (Shared library
pages shared with processes outside the tree count for the tree's share only.)
Where ``smaps_rollup`` cannot be read (kernels before 4.14), the sampler sums
``VmRSS`` from ``/proc/<pid>/status`` instead and says so in ``measure``.

Reading PSS is not free: the kernel walks the page tables, about 35 ms per GiB
mapped. So each sample first sums the RSS (``VmRSS``, microseconds a process),
an upper bound of the PSS sum that is kept as :attr:`TreeSampler.rss_peak_kib`,
and reads the PSS only when that bound exceeds the PSS peak so far (else the
moment cannot be a new peak) and the PSS reads so far have taken at most
``budget`` of the wall time. At 2 GiB the PSS is then read about every 1.4 s
(``budget=0.05``), the RSS every ``period``.

The peak is that of the reads: a spike between two PSS reads can be missed
(the RSS bound, read every period, says how much could be). The period and the budget are measurement parameters (the
finer, the more the sampler takes from what it measures), not a
synchronisation; entering and leaving the ``with`` block each read the PSS as
well, so even a block shorter than the period is sampled. The thread holds the
GIL only to parse a few small files per sample: a process seen once outside
the tree is not read again (a pid's parent changes only to a reaper, which
takes it out of the tree, never into it). Linux only.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
DEFAULT_PERIOD = 0.05
DEFAULT_BUDGET = 0.05


def parent_pid(pid: int) -> int | None:
    """Return the parent pid of ``pid`` from ``/proc/<pid>/stat``, or None when it has gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # pid (comm) state ppid ...: the command name may hold spaces and parentheses, so split after the last ")"
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def process_kib(pid: int, measure: str = "pss") -> int:
    """Return the memory of ``pid`` in KiB: its PSS (``measure="pss"``) or RSS (``"rss"``); 0 when it has gone."""
    name, key = ("smaps_rollup", b"Pss:") if measure == "pss" else ("status", b"VmRSS:")
    try:
        data = (PROC / str(pid) / name).read_bytes()
    except OSError:
        return 0
    for line in data.splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0  # a zombie, or a kernel thread: no memory of its own


def pss_readable() -> bool:
    """Return whether this kernel gives PSS (``/proc/self/smaps_rollup``, Linux 4.14 and later)."""
    try:
        return b"Pss:" in (PROC / "self" / "smaps_rollup").read_bytes()
    except OSError:
        return False


class TreeSampler:
    """Sample the summed memory of process ``root`` (default: this one) and its descendants; keep the peak.

    Use as a context manager around what to measure; then read :attr:`peak_mib`
    (largest sum seen, MiB), :attr:`rss_peak_mib` (largest sum of RSS, an upper
    bound that counts shared pages once per process), :attr:`samples` and
    :attr:`pss_samples` (how many sums were taken, how many of them of PSS),
    :attr:`largest_tree` (processes in the tree at the peak) and
    :attr:`measure` (``"pss"`` or ``"rss"``).
    """

    def __init__(
        self,
        root: int | None = None,
        period: float = DEFAULT_PERIOD,
        measure: str | None = None,
        budget: float = DEFAULT_BUDGET,
    ) -> None:
        if measure not in (None, "pss", "rss"):
            raise ValueError(f"measure is 'pss' or 'rss', got {measure!r}")
        self.root = os.getpid() if root is None else root
        self.period = period
        self.budget = budget
        self.measure = measure or ("pss" if pss_readable() else "rss")
        self.peak_kib = 0
        self.rss_peak_kib = 0
        self.samples = 0
        self.pss_samples = 0
        self._pss_seconds = 0.0
        self._started = time.perf_counter()
        self.largest_tree = 0
        self._outside: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def peak_mib(self) -> float:
        """The largest sum seen so far, in MiB."""
        return self.peak_kib / 1024

    @property
    def rss_peak_mib(self) -> float:
        """The largest sum of RSS seen so far, in MiB."""
        return self.rss_peak_kib / 1024

    def tree(self) -> set[int]:
        """Return the pids of the root and all its living descendants."""
        present = {int(name) for name in os.listdir(PROC) if name.isdigit()}
        self._outside &= present  # a pid that went away may come back as another process
        children: dict[int, list[int]] = {}
        candidates = present - self._outside - {self.root}
        for pid in candidates:
            parent = parent_pid(pid)
            if parent is not None:
                children.setdefault(parent, []).append(pid)
        found = {self.root} if self.root in present else set()
        frontier = list(found)
        while frontier:
            for child in children.get(frontier.pop(), ()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        self._outside |= candidates - found
        return found

    def sample(self, force: bool = False) -> int:
        """Take one sample now; return the tree's summed memory in KiB (PSS, or RSS where PSS was not read).

        The PSS is read when ``force`` is true or as the class describes.
        """
        with self._lock:
            pids = self.tree()
            self.samples += 1
            rss = sum(process_kib(pid, "rss") for pid in pids)
            self.rss_peak_kib = max(self.rss_peak_kib, rss)
            if self.measure == "rss":
                total = rss
            elif force or (rss > self.peak_kib and self._pss_seconds <= self.budget * self._elapsed()):
                start = time.perf_counter()
                total = sum(process_kib(pid, "pss") for pid in pids)
                self._pss_seconds += time.perf_counter() - start
                self.pss_samples += 1
            else:
                return rss
            if total > self.peak_kib:
                self.peak_kib, self.largest_tree = total, len(pids)
            return total

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def start(self) -> TreeSampler:
        """Take a first sample and start the sampling thread."""
        self._started = time.perf_counter()
        self.sample(force=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cndkg-tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the sampling thread, then take a last sample."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.sample(force=True)

    def __enter__(self) -> TreeSampler:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def figures(sampler: TreeSampler) -> dict[str, float | int | str]:
    """Return a sampler's peaks and counts, rounded, for a report."""
    return {
        "tree_peak_mib": round(sampler.peak_mib, 1),
        "tree_rss_sum_peak_mib": round(sampler.rss_peak_mib, 1),
        "tree_samples": sampler.samples,
        "tree_pss_samples": sampler.pss_samples,
        "tree_processes_at_peak": sampler.largest_tree,
    }
