"""Save a screenshot of the explorer window on real images with a heatmap shown.

Usage::

    QT_QPA_PLATFORM=offscreen python tools/capture_screenshot.py IMAGE [IMAGE...] \\
        --attribute 6 --output resources/screenshot.png

The first image is shown, the others fill the image strip. ``--attribute`` is the
1-based bar whose heatmap is shown. The window uses a temporary settings file, so
your own settings are not read or changed. PNGs over ``--max-kb`` are reduced to 256
colours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QEventLoop, QSettings, QTimer

from artcomp_gui.ui.app import create_application
from artcomp_gui.ui.main_window import MainWindow
from artcomp_gui.ui.settings import AppSettings
from artcomp_gui.ui.workers import InferenceController


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path, help="images to open")
    parser.add_argument("--model", type=Path, default=None, help="model folder")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--attribute", type=int, default=1, help="bar to show, from 1")
    parser.add_argument("--width", type=int, default=1360, help="window width in px")
    parser.add_argument("--height", type=int, default=860, help="window height in px")
    parser.add_argument("--max-kb", type=int, default=400, help="largest PNG in KiB")
    parser.add_argument("--output", type=Path, required=True, help="PNG to write")
    return parser.parse_args()


def run_events(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def run_events_until(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {timeout_s} s")
        run_events(50)


def main() -> int:
    args = parse_args()
    create_application()
    work = Path(tempfile.mkdtemp(prefix="artcomp_screenshot_"))
    settings = AppSettings(
        QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    )
    controller = InferenceController()
    window = MainWindow(settings, controller)
    window.resize(args.width, args.height)
    window.show()
    controller.load_model(args.model, args.device)
    run_events_until(lambda: controller.model or controller.model_error, 120)
    if controller.model is None:
        print(f"model failed to load: {controller.model_error}", file=sys.stderr)
        window.close()
        return 1

    window.open_paths([str(path) for path in args.images])
    keys = window.strip_model.keys
    run_events_until(lambda: all(window.results.get(key) for key in keys), 300)
    window.show_image(keys[0])
    window.select_attribute(args.attribute - 1)
    run_events_until(lambda: window.view.overlay_visible, 30)
    # Let thumbnails and pending repaints arrive before the grab.
    run_events(500)

    raw = work / "raw.png"
    window.grab().save(str(raw))
    window.close()
    image = Image.open(raw).convert("RGB")
    image.save(args.output, optimize=True)
    if args.output.stat().st_size > args.max_kb * 1024:
        image.quantize(256, dither=Image.Dither.NONE).save(args.output, optimize=True)
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
