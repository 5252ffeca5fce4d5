"""Presentation of folder jobs: table rows, status-bar progress and end messages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Slot

from artcomp_gui.image_loader import display_path
from artcomp_gui.scoring import BatchSummary, ScoredImage
from artcomp_gui.ui.batch_progress import BatchProgressWidget
from artcomp_gui.ui.caches import LruCache
from artcomp_gui.ui.folder_table import FolderPanel
from artcomp_gui.ui.message_log import MessageLog
from artcomp_gui.ui.workers import (
    BatchProgress,
    FolderJob,
    InferenceController,
    path_key,
)

logger = logging.getLogger(__name__)

SUPPORTED_TEXT = "JPEG, PNG, TIFF, WebP, BMP or GIF"


class FolderScoringView(QObject):
    """Connects the controller's folder-job signals to the widgets that show them.

    Args:
        controller: source of the signals.
        panel: the results table.
        progress: the status-bar progress widget.
        messages: the Messages list, which gets one line per failed image.
        results: the window's per-image result cache, filled with every row.
        report: shows a message in the status bar and logs it.
        on_result: called with the cache key of each delivered image.
    """

    def __init__(
        self,
        controller: InferenceController,
        panel: FolderPanel,
        progress: BatchProgressWidget,
        messages: MessageLog,
        results: LruCache[str, ScoredImage],
        report: Callable[[str, int], None],
        on_result: Callable[[str], None],
    ) -> None:
        super().__init__(panel)
        self._controller = controller
        self._panel = panel
        self._progress = progress
        self._messages = messages
        self._results = results
        self._report = report
        self._on_result = on_result
        controller.batch_started.connect(self._on_batch_started)
        controller.batch_result.connect(self._on_batch_result)
        controller.batch_progress.connect(self._on_batch_progress)
        controller.batch_finished.connect(self._on_batch_finished)
        progress.cancel_requested.connect(self.cancel)

    def cancel(self) -> None:
        """Stop the running folder job after its current batch; its rows stay."""
        if self._controller.batch_running is None:
            return
        self._controller.cancel_batch()
        self._progress.set_cancelling()

    @Slot(object)
    def _on_batch_started(self, job: FolderJob) -> None:
        scope = " and its subfolders" if job.recursive else ""
        self._panel.set_summary(
            f"Scoring {job.total:,} images in {display_path(job.root)}{scope}"
        )
        if job.total == 0:
            self._report(
                f"{display_path(job.root)}: no {SUPPORTED_TEXT} files found",
                logging.WARNING,
            )

    @Slot(object, object)
    def _on_batch_result(self, job: FolderJob, result: ScoredImage) -> None:
        key = path_key(result.path)
        self._results.put(key, result)
        self._panel.add_result(result, job.root)
        if result.error:
            # Failed rows show in the table's error column, and each is logged once
            # here. The status bar gets only the summary, so a burst does not flood it.
            logger.warning("%s", result.error)
            self._messages.add(result.error, logging.WARNING)
        self._on_result(key)

    @Slot(object)
    def _on_batch_progress(self, progress: BatchProgress) -> None:
        if not self._progress.isVisible():
            self._progress.start(display_path(progress.job.root))
        self._progress.update_progress(progress)

    @Slot(object, object, str)
    def _on_batch_finished(
        self, job: FolderJob, summary: BatchSummary | None, error: str
    ) -> None:
        self._panel.flush()
        where = display_path(job.root)
        if error:
            self._report(
                f"Scoring {where} failed: {error}. Rows scored so far are kept.",
                logging.ERROR,
            )
        elif summary is not None and summary.stopped:
            done = summary.scored + summary.failed
            self._report(
                f"Scoring {where} cancelled after {done:,} of {summary.total:,} "
                "images; their rows are kept",
                logging.INFO,
            )
        elif summary is not None:
            self._report(
                f"Scored {summary.scored:,} images in {where}, "
                f"{summary.failed:,} failed",
                logging.INFO,
            )
        scored, failed = self._panel.model.counts()
        self._panel.set_summary(
            f"{scored + failed:,} rows: {scored:,} scored, {failed:,} failed. "
            "Click a column header to sort."
        )
        if self._controller.batch_running is None:
            self._progress.finish()
