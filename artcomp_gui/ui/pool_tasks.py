"""Decoding and export tasks that run on Qt's thread pool, off the GUI thread.

Each task reports through a ``TaskSignals`` object that lives on the GUI thread, so
its signals arrive there as queued calls. Pixels cross threads as ``QImage``, which,
unlike ``QPixmap``, may be created outside the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, Signal
from PySide6.QtGui import QImage

from artcomp_gui.image_loader import ImageLoadError, display_path, load_image
from artcomp_gui.model import AttributeSpec
from artcomp_gui.results import write_results_atomically
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.heatmap_export import (
    ExportOutcome,
    HeatmapStyle,
    export_heatmaps,
)

logger = logging.getLogger(__name__)


def pil_to_qimage(image: Image.Image) -> QImage:
    """Copy an RGB PIL image into a QImage in the screen's native 32-bit format.

    Converting here, on a pool thread, makes ``QPixmap.fromImage`` on the GUI thread
    a plain copy, also for images of tens of megapixels.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    data = image.tobytes()
    qimage = QImage(
        data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888
    )
    return qimage.convertToFormat(QImage.Format.Format_RGB32)


class TaskSignals(QObject):
    """Signals of the pool tasks; create it on the GUI thread.

    Signals:
        decoded(str key, QImage): a display image or thumbnail is ready.
        failed(str key, str message): decoding failed; the message names the file.
        export_progress(int done, int total): heatmap export progress.
        export_finished(object ExportOutcome): heatmap export ended.
        results_written(str path, int rows, str error): a result table export ended;
            ``error`` is empty on success.
    """

    decoded = Signal(str, QImage)
    failed = Signal(str, str)
    export_progress = Signal(int, int)
    export_finished = Signal(object)
    results_written = Signal(str, int, str)


class DecodeTask(QRunnable):
    """Decode one image file with ``load_image``, optionally shrunk to a thumbnail.

    Args:
        key: the cache key the result is reported under.
        path: the image file.
        signals: where to report.
        thumbnail_side: None for the full image, else the longest side in pixels.
    """

    def __init__(
        self,
        key: str,
        path: Path,
        signals: TaskSignals,
        thumbnail_side: int | None = None,
    ) -> None:
        super().__init__()
        self.key = key
        self.path = path
        self.signals = signals
        self.thumbnail_side = thumbnail_side

    def run(self) -> None:
        try:
            image = load_image(self.path)
            if self.thumbnail_side is not None:
                side = self.thumbnail_side
                image.thumbnail(
                    (side, side), Image.Resampling.BILINEAR, reducing_gap=2.0
                )
            qimage = pil_to_qimage(image)
        except ImageLoadError as error:
            self.signals.failed.emit(self.key, str(error))
            return
        except Exception as error:  # a pool thread must not die silently
            logger.exception("Decoding %s for display failed", display_path(self.path))
            self.signals.failed.emit(
                self.key,
                f"{display_path(self.path)}: decoding failed ({type(error).__name__}: {error})",
            )
            return
        self.signals.decoded.emit(self.key, qimage)


class HeatmapExportTask(QRunnable):
    """Write heatmap PNGs for scored images; cancel with ``stop_event``."""

    def __init__(
        self,
        results: Sequence[ScoredImage],
        specs: Sequence[AttributeSpec],
        folder: Path,
        style: HeatmapStyle,
        signals: TaskSignals,
    ) -> None:
        super().__init__()
        self.results = list(results)
        self.specs = list(specs)
        self.folder = folder
        self.style = style
        self.signals = signals
        self.stop_event = threading.Event()

    def run(self) -> None:
        try:
            outcome = export_heatmaps(
                self.results,
                self.specs,
                self.folder,
                self.style,
                should_stop=self.stop_event.is_set,
                on_progress=self.signals.export_progress.emit,
            )
        except Exception as error:  # the GUI must learn the export ended
            logger.exception(
                "Exporting heatmaps to %s failed", display_path(self.folder)
            )
            outcome = ExportOutcome(
                [], [f"{display_path(self.folder)}: export failed ({error})"], False
            )
        self.signals.export_finished.emit(outcome)


class ResultsExportTask(QRunnable):
    """Write a CSV or JSON result table with ``write_results_atomically``.

    The columns are those of the command-line scorer: path, one per attribute in
    model-card order, error.
    """

    def __init__(
        self,
        path: Path,
        results: Sequence[ScoredImage],
        attribute_names: Sequence[str],
        format: str,
        signals: TaskSignals,
    ) -> None:
        super().__init__()
        self.path = path
        self.rows = [(result.path, result.scores, result.error) for result in results]
        self.attribute_names = list(attribute_names)
        self.format = format
        self.signals = signals

    def run(self) -> None:
        try:
            write_results_atomically(
                self.path, self.rows, self.attribute_names, self.format
            )
        except (OSError, ValueError) as error:
            logger.exception("Exporting results to %s failed", display_path(self.path))
            reason = error.strerror if isinstance(error, OSError) else None
            self.signals.results_written.emit(
                str(self.path), len(self.rows), reason or str(error)
            )
            return
        logger.info("Exported %d rows to %s", len(self.rows), display_path(self.path))
        self.signals.results_written.emit(str(self.path), len(self.rows), "")
