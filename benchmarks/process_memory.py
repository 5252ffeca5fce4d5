"""Peak memory of a process and its child processes, sampled from /proc (Linux).

The scorer decodes images in worker processes, so its footprint is the sum over a
process tree. Summed RSS counts pages shared between the processes (the torch
libraries, for one) once per process. PSS splits each shared page between the
processes that map it, so summed PSS is the tree's actual share of memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def child_pids(pid: int) -> list[int]:
    """Return the ids of the direct children of ``pid``, or [] once it has exited."""
    children: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            text = (task / "children").read_text()
            children += [int(value) for value in text.split()]
    except OSError:
        return []
    return children


def tree_pids(root: int) -> list[int]:
    """Return ``root`` and all its descendants that are alive now."""
    pids = [root]
    index = 0
    while index < len(pids):
        pids += child_pids(pids[index])
        index += 1
    return pids


def memory_kib(pid: int) -> tuple[int, int]:
    """Return (PSS, RSS) of one process in KiB, or (0, 0) once it has exited."""
    pss = rss = 0
    try:
        with open(PROC / str(pid) / "smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        return 0, 0
    return pss, rss


@dataclass(frozen=True)
class TreeMemoryPeak:
    """Largest sampled sums over a process tree, in KiB."""

    pss_kib: int
    rss_kib: int


class TreeMemorySampler:
    """Sample the memory of a process tree in a background thread until stopped.

    Sampling misses a peak shorter than ``interval_s``, so the figures are lower
    bounds of the true peaks.
    """

    def __init__(self, root: int, interval_s: float = 0.1) -> None:
        self.root = root
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._pss = 0
        self._rss = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def stop(self) -> TreeMemoryPeak:
        """Stop sampling and return the peaks seen."""
        self._stop.set()
        self._thread.join()
        return TreeMemoryPeak(self._pss, self._rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            pss = rss = 0
            for pid in tree_pids(self.root):
                process_pss, process_rss = memory_kib(pid)
                pss += process_pss
                rss += process_rss
            self._pss = max(self._pss, pss)
            self._rss = max(self._rss, rss)
            self._stop.wait(self.interval_s)
