"""Measure how long the GUI thread is blocked while the explorer scores a folder.

A 5 ms timer on the GUI thread records the gap between its ticks while the window
scores a folder, opens images and switches heatmaps. The maximum gap, minus the
timer interval, is the maximum time the GUI thread could not handle events. The
explorer's goal is under 100 ms.

Usage (offscreen, no display needed)::

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py FOLDER \\
        [--model DIR] [--device cpu] [--limit 40] [--batch-size 8] [--workers N]

FOLDER is scored non-recursively, at most ``--limit`` images (symlinked into a
temporary folder). Without ``--model`` the bundled model is used.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer

from artcomp_gui.image_loader import iter_image_paths
from artcomp_gui.ui.app import create_application
from artcomp_gui.ui.main_window import MainWindow
from artcomp_gui.ui.settings import AppSettings
from artcomp_gui.ui.workers import InferenceController

TICK_MS = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of images to score")
    parser.add_argument("--model", type=Path, default=None, help="model folder")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--limit", type=int, default=40, help="images to score")
    parser.add_argument("--batch-size", type=int, default=8, help="images per batch")
    parser.add_argument(
        "--workers", type=int, default=None, help="decoding processes (default: auto)"
    )
    return parser.parse_args()


def run_events(milliseconds: int) -> None:
    """Run the event loop for a while. ``QEventLoop.exec`` is used, not
    ``processEvents``, which PySide6 6.12.0 on Python 3.11 breaks (see qt_compat)."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def process_until(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {timeout_s} s")
        run_events(20)


def main() -> int:
    args = parse_args()
    create_application()
    images = list(iter_image_paths([args.folder]))[: args.limit]
    if len(images) < 2:
        print(f"{args.folder}: fewer than 2 images", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="artcomp_bench_"))
    folder = work / "images"
    folder.mkdir()
    for number, path in enumerate(images):
        (folder / f"{number:04d}_{path.name}").symlink_to(path.resolve())

    settings = AppSettings(
        QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    )
    controller = InferenceController()
    controller.set_batch_options(args.batch_size, args.workers)
    window = MainWindow(settings, controller)
    window.resize(1400, 900)
    window.show()

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()

    controller.load_model(args.model, args.device)
    process_until(lambda: controller.model is not None or controller.model_error, 120)
    if controller.model is None:
        print(f"model failed to load: {controller.model_error}", file=sys.stderr)
        window.close()
        return 1
    gaps.clear()
    last[0] = clock.nsecsElapsed()

    finished = []
    controller.batch_finished.connect(lambda *result: finished.append(result))
    started = time.monotonic()
    window.score_folder([folder])
    window.open_paths([str(path) for path in images[:5]])
    switches = 0
    while not finished:
        run_events(20)
        if window.current_result() is not None and switches < 200:
            window.select_attribute(switches % len(window.card.attributes))
            window.navigate(1 if switches % 10 < 5 else -1)
            switches += 1
    elapsed = time.monotonic() - started
    timer.stop()

    stalls = sorted(gap - TICK_MS for gap in gaps)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPU cores, device {controller.model.device_name}")
    print(f"load average at the end (1, 5, 15 min): {load}")
    print(
        f"scored {len(images)} images in {elapsed:.1f} s with batch {args.batch_size}"
    )
    print(f"heatmap switches and image changes during scoring: {switches}")
    print(f"timer ticks: {len(gaps)}")
    print(f"GUI thread stall, median: {statistics.median(stalls):.1f} ms")
    print(
        f"GUI thread stall, 99th percentile: {stalls[int(0.99 * (len(stalls) - 1))]:.1f} ms"
    )
    print(f"GUI thread stall, max: {stalls[-1]:.1f} ms (goal: under 100 ms)")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
