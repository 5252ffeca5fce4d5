"""Side-by-side timing: run workloads in turn and compare their medians.

Absolute times on a shared machine drift with the load of other processes. Timing
both sides of a comparison in turn, in one process, exposes them to the same drift,
and the median of the per-repeat ratios cancels most of it.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

try:
    import resource
except ImportError:  # Windows has no resource module.
    resource = None

import torch


@dataclass(frozen=True)
class Timings:
    """Measurements of several workloads run in turn, one list per workload name.

    Attributes:
        times: wall-clock seconds of each call.
        page_faults: minor page faults of this process during each call. A fault
            maps and zeroes a fresh page, so many of them mean the call gets new
            memory from the kernel for its buffers on every call.
    """

    times: dict[str, list[float]]
    page_faults: dict[str, list[int]]

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def ratios(self, numerator: str, denominator: str) -> list[float]:
        """Per-repeat ratios of two workloads timed in the same repeat."""
        return [a / b for a, b in zip(self.times[numerator], self.times[denominator])]

    def ratio(self, numerator: str, denominator: str) -> float:
        """Median over repeats of numerator time / denominator time."""
        return statistics.median(self.ratios(numerator, denominator))

    def median_page_faults(self, name: str) -> float:
        return statistics.median(self.page_faults[name])

    def ratio_text(self, numerator: str, denominator: str) -> str:
        """Return the median ratio and its range over repeats: ``1.07 (1.03-1.12)``."""
        ratios = self.ratios(numerator, denominator)
        return f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"


def minor_page_faults() -> int:
    """Return the minor page faults of this process so far (0 where not counted)."""
    if resource is None:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_call(workload: Callable[[], object]) -> tuple[float, int]:
    """Return the wall-clock seconds and minor page faults of one call."""
    faults = minor_page_faults()
    start = time.perf_counter()
    workload()
    seconds = time.perf_counter() - start
    return seconds, minor_page_faults() - faults


def alternate(
    workloads: dict[str, Callable[[], object]], repeats: int, warmup: int = 1
) -> Timings:
    """Time several workloads in turn, ``repeats`` times each, after ``warmup`` rounds.

    Repeat r starts with workload r modulo their count and goes round, so no workload
    always runs right after the same other one and inherits its cache state.

    Raises:
        ValueError: if ``repeats`` is less than 1 or ``warmup`` is negative.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if warmup < 0:
        raise ValueError(f"warmup must be 0 or more, not {warmup}")
    names = list(workloads)
    for _ in range(warmup):
        for name in names:
            workloads[name]()

    times: dict[str, list[float]] = {name: [] for name in names}
    faults: dict[str, list[int]] = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, page_faults = time_call(workloads[name])
            times[name].append(seconds)
            faults[name].append(page_faults)
    return Timings(times, faults)


def cpu_name() -> str:
    """Return the CPU model name from /proc/cpuinfo, or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float | None:
    """Return the installed memory in GiB from /proc/meminfo, or None elsewhere."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def load_average() -> str:
    """Return the 1-, 5- and 15-minute load averages, or ``unknown``.

    The averages decay over minutes, so right after another heavy run they still
    count it. ``busy_cores`` tells whether the CPU is busy now.
    """
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def busy_cores(seconds: float = 2.0) -> float | None:
    """Return how many cores were busy, on average, over the next ``seconds``.

    Read from /proc/stat, so it counts every process on the machine. None where
    /proc/stat does not exist.
    """

    def read_times() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        # Fields: user nice system idle iowait irq softirq steal ...
        idle = values[3] + values[4]
        return sum(values[:8]), idle

    try:
        total_before, idle_before = read_times()
        time.sleep(seconds)
        total_after, idle_after = read_times()
    except OSError:
        return None
    total = total_after - total_before
    if total <= 0:
        return None
    cores = os.cpu_count() or 1
    return cores * (1 - (idle_after - idle_before) / total)


def busy_cores_text() -> str:
    """Return ``busy_cores()`` with two decimals, or ``unknown``."""
    busy = busy_cores()
    return f"{busy:.2f}" if busy is not None else "unknown"


def describe_machine(device: torch.device | None = None) -> str:
    """Return a few lines naming the machine, software, date and current load."""
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    memory = memory_gib()
    memory_text = f", {memory:.1f} GiB memory" if memory is not None else ""
    gpu = (
        torch.cuda.get_device_name(device)
        if device is not None and device.type == "cuda"
        else "none used"
    )
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            f"machine: {cpu_name()}, {cores} usable cores{memory_text}, GPU: {gpu}",
            f"software: Python {platform.python_version()}, torch {torch.__version__}, "
            f"{torch.get_num_threads()} torch threads",
            f"date: {now}, cores busy before the run: {busy_cores_text()} "
            f"(load average {load_average()})",
        ]
    )


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so a timer stopped after this call measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
