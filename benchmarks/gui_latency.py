"""GUI latency: drop to bars shown, and heatmap switches, in the real explorer window.

Drives ``MainWindow`` offscreen (``QT_QPA_PLATFORM=offscreen``, raster painting, no
display needed) with a model that is loaded and has scored an image already:

* drop: a drag-enter and a drop of one painting not scored before, sent to the
  window as a file manager sends them. The time runs from sending the drop to the
  end of a synchronous repaint of the window once the bars hold that painting's
  scores. It covers decoding, preprocessing, one forward pass with batch size 1 on
  the model thread, the signal back and the painting of the window.
* switch: pressing keys 1 to 7 in turn (the shortcuts that choose the attribute
  whose heatmap is shown), each followed by a synchronous repaint of the window.
  The first switch to an attribute renders its overlay, which upsamples and colours
  the map. Later switches to it on the same image take the overlay from the cache.
  Both are timed. The goal is one frame at 60 Hz, 16 ms.

``--large`` repeats both on 12-megapixel JPEGs (paintings resized to 4000 x 3000,
written to a temporary folder), where decoding and the overlay size cost more.

A real display adds compositing and the wait for the next vertical blank, which
offscreen painting does not have.

Usage::

    python -m benchmarks.gui_latency [--repeats 20] [--large] [--device cpu]
        [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QEventLoop,
    QMimeData,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from artcomp_gui.ui.app import create_application  # noqa: E402
from artcomp_gui.ui.main_window import MainWindow  # noqa: E402
from artcomp_gui.ui.settings import AppSettings  # noqa: E402
from artcomp_gui.ui.workers import InferenceController, path_key  # noqa: E402
from benchmarks.timing import busy_cores_text, describe_machine  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    add_model_arguments,
    benchmark_model,
    sample_paintings,
)

FRAME_MS = 16.0
LARGE_SIZE = (4000, 3000)
TIMEOUT_S = 120.0
WAKE_INTERVAL_MS = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=20, help="paintings dropped (default 20)"
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="also time 12-megapixel JPEGs (resized paintings)",
    )
    add_model_arguments(parser)
    return parser.parse_args(argv)


def wait_until(app: QApplication, condition: Callable[[], bool]) -> None:
    """Handle events, sleeping between them, until ``condition`` holds.

    Raises:
        TimeoutError: if it does not hold within ``TIMEOUT_S``.
    """
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {TIMEOUT_S} s waiting for the window")
        # Blocks until an event arrives (a result from the model thread, or the
        # wake-up timer), so waiting takes no CPU from the model.
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


def drop(window: MainWindow, path: Path) -> None:
    """Send a drag-enter and a drop of one file to the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPoint(window.width() // 2, window.height() // 2)
    buttons = Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    QApplication.sendEvent(
        window, QDragEnterEvent(position, action, mime, buttons, modifiers)
    )
    QApplication.sendEvent(
        window, QDropEvent(position.toPointF(), action, mime, buttons, modifiers)
    )


def bars_show(window: MainWindow, key: str) -> Callable[[], bool]:
    """Return a check that the bars hold the scores of image ``key``."""

    def check() -> bool:
        result = window.current_result()
        if window.current_path != key or result is None or result.scores is None:
            return False
        return all(
            bar.value == result.scores[bar.spec.name] for bar in window.panel.bars
        )

    return check


def time_drop(app: QApplication, window: MainWindow, path: Path) -> float:
    """Return milliseconds from dropping ``path`` to the repainted bars."""
    key = path_key(path)
    start = time.perf_counter()
    drop(window, path)
    wait_until(app, bars_show(window, key))
    window.repaint()
    return (time.perf_counter() - start) * 1000


def time_switches(
    app: QApplication, window: MainWindow
) -> tuple[list[float], list[float]]:
    """Press 1 to 7 twice on the shown image; return first and cached switch times."""
    wait_until(app, lambda: window.view.has_image)
    count = len(window.card.attributes)
    first: list[float] = []
    cached: list[float] = []
    for times in (first, cached):
        for index in range(count):
            start = time.perf_counter()
            QTest.keyClick(window, Qt.Key(Qt.Key.Key_1 + index))
            window.repaint()
            times.append((time.perf_counter() - start) * 1000)
            if window.selected_attribute != index:
                raise RuntimeError(
                    f"key {index + 1} did not select attribute {index}; is the "
                    "window active?"
                )
    # Hide the heatmap, so the next image starts without one, as after opening it.
    QTest.keyClick(window, Qt.Key.Key_0)
    return first, cached


def make_large_images(paths: list[Path], folder: Path) -> list[Path]:
    """Write each painting resized to ``LARGE_SIZE`` as a JPEG in ``folder``."""
    large = []
    for number, path in enumerate(paths):
        target = folder / f"large_{number:03d}.jpg"
        with Image.open(path) as image:
            image.convert("RGB").resize(LARGE_SIZE, Image.Resampling.BICUBIC).save(
                target, quality=90
            )
        large.append(target)
    return large


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} ms, "
        f"90th percentile {percentile(values, 0.9):.1f} ms, "
        f"max {max(values):.1f} ms (n={len(values)})"
    )


def measure(
    app: QApplication, window: MainWindow, paths: list[Path], label: str
) -> None:
    drops: list[float] = []
    first: list[float] = []
    cached: list[float] = []
    for path in paths:
        drops.append(time_drop(app, window, path))
        first_times, cached_times = time_switches(app, window)
        first += first_times
        cached += cached_times
    print(f"{label}:")
    print(f"  drop to bars shown:            {summary(drops)}")
    for name, values in (("first switch", first), ("cached switch", cached)):
        verdict = "met" if statistics.median(values) < FRAME_MS else "NOT met"
        print(
            f"  heatmap {name + ':':<22} {summary(values)} "
            f"(goal < {FRAME_MS:g} ms: {verdict})"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app = create_application()
    work = Path(tempfile.mkdtemp(prefix="artcomp_gui_latency_"))
    try:
        return run_benchmark(args, app, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_benchmark(args: argparse.Namespace, app: QApplication, work: Path) -> int:
    model = benchmark_model(args)
    print(describe_machine(model.device))
    print(f"model: {model.card.name}")

    large_count = max(3, args.repeats // 4) if args.large else 0
    paths = sample_paintings(args.paintings, 2 + args.repeats + large_count)
    settings = AppSettings(
        QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    )
    controller = InferenceController()
    window = MainWindow(settings, controller)
    window.resize(1400, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    controller.use_model(model)

    wake = QTimer()
    wake.setInterval(WAKE_INTERVAL_MS)
    wake.start()

    # Warm-up: the first forward pass and the first overlay allocate buffers.
    for path in paths[:2]:
        time_drop(app, window, path)
        time_switches(app, window)

    measure(
        app, window, paths[2 : 2 + args.repeats], f"{args.repeats} paintings, 224 x 224"
    )
    if args.large:
        large = make_large_images(paths[2 + args.repeats :], work)
        measure(app, window, large, f"{large_count} JPEGs, 4000 x 3000")

    wake.stop()
    window.close()
    print(f"cores busy after the run: {busy_cores_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
