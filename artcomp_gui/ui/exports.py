"""Export of folder results: CSV and JSON tables, and heatmap PNGs, off the GUI thread."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from artcomp_gui.image_loader import display_path
from artcomp_gui.model import ModelCard
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.folder_table import FolderPanel
from artcomp_gui.ui.heatmap_export import ExportOutcome, HeatmapStyle
from artcomp_gui.ui.pool_tasks import HeatmapExportTask, ResultsExportTask, TaskSignals
from artcomp_gui.ui.settings import AppSettings

logger = logging.getLogger(__name__)

Report = Callable[[str, int], None]
_FILTERS = {"csv": "CSV files (*.csv)", "json": "JSON files (*.json)"}


class ExportController(QObject):
    """Runs exports from the folder results panel and reports how they ended.

    Args:
        window: parent of the file dialogs.
        panel: the folder results panel whose rows are exported.
        settings: remembers the export folder.
        report: shows a message to the user and logs it, with a logging level.

    Signals:
        busy_changed(bool): an export started (True) or ended (False).
        heatmap_progress(int done, int total): images written so far.
        results_exported(str path, int rows, str error): a table export ended.
    """

    busy_changed = Signal(bool)
    heatmap_progress = Signal(int, int)
    results_exported = Signal(str, int, str)

    def __init__(
        self,
        window: QWidget,
        panel: FolderPanel,
        settings: AppSettings,
        report: Report,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._panel = panel
        self._settings = settings
        self._report = report
        self._pool = pool or QThreadPool.globalInstance()
        self._signals = TaskSignals(self)
        self._signals.results_written.connect(self._on_results_written)
        self._signals.export_progress.connect(self.heatmap_progress)
        self._signals.export_finished.connect(self._on_heatmaps_written)
        self._heatmap_task: HeatmapExportTask | None = None
        self.card: ModelCard | None = None

    @property
    def heatmap_export_running(self) -> bool:
        return self._heatmap_task is not None

    def _start_folder(self) -> str:
        return (
            self._settings.export_folder
            or self._settings.last_folder
            or str(Path.home())
        )

    # Result tables ------------------------------------------------------------------

    def ask_and_export_results(self, format: str) -> None:
        """Ask for a file name, then export the visible rows as ``format``."""
        if self.card is None:
            self._report(
                "No model is loaded, so there are no results to export.",
                logging.WARNING,
            )
            return
        suggested = os.path.join(self._start_folder(), f"artcomp_scores.{format}")
        path, _ = QFileDialog.getSaveFileName(
            self._window,
            f"Export Results as {format.upper()}",
            suggested,
            _FILTERS[format],
        )
        if not path:
            return
        if not path.lower().endswith(f".{format}"):
            path += f".{format}"
        self.export_results(Path(path), format)

    def export_results(self, path: Path, format: str) -> None:
        """Write the rows the table shows (filter and sort applied) to ``path``."""
        if self.card is None:
            self._report(
                "No model is loaded, so there are no results to export.",
                logging.WARNING,
            )
            return
        results = self._panel.visible_results()
        if not results:
            self._report("The results table has no rows to export.", logging.WARNING)
            return
        self._settings.export_folder = str(path.parent)
        if self._panel.is_filtered():
            total = self._panel.model.rowCount()
            self._report(
                f"Exporting the {len(results):,} of {total:,} rows that match the filter "
                f"\u201c{self._panel.filter_edit.text()}\u201d.",
                logging.INFO,
            )
        task = ResultsExportTask(
            path, results, self.card.attribute_names, format, self._signals
        )
        self._pool.start(task)

    @Slot(str, int, str)
    def _on_results_written(self, path: str, rows: int, error: str) -> None:
        if error:
            self._report(f"{display_path(path)}: export failed: {error}", logging.ERROR)
        else:
            self._report(
                f"Exported {rows:,} rows to {display_path(path)}", logging.INFO
            )
        self.results_exported.emit(path, rows, error)

    # Heatmaps -----------------------------------------------------------------------

    def ask_and_export_heatmaps(self, selected_only: bool, style: HeatmapStyle) -> None:
        """Ask for a folder, then write heatmap PNGs of the selected or all rows."""
        results = self._heatmap_rows(selected_only)
        if results is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self._window, "Export Heatmaps to Folder", self._start_folder()
        )
        if folder:
            self.export_heatmaps(Path(folder), results, style)

    def _heatmap_rows(self, selected_only: bool) -> list[ScoredImage] | None:
        if self.card is None:
            self._report(
                "No model is loaded, so there are no heatmaps to export.",
                logging.WARNING,
            )
            return None
        if self._heatmap_task is not None:
            self._report("A heatmap export is already running.", logging.WARNING)
            return None
        results = (
            self._panel.selected_results()
            if selected_only
            else self._panel.visible_results()
        )
        if not results:
            kind = "selected" if selected_only else "shown"
            self._report(f"No {kind} rows to export heatmaps for.", logging.WARNING)
            return None
        return results

    def export_heatmaps(
        self, folder: Path, results: list[ScoredImage], style: HeatmapStyle
    ) -> None:
        """Write ``<stem>_<attribute>.png`` for each result and attribute into ``folder``."""
        assert self.card is not None
        self._settings.export_folder = str(folder)
        task = HeatmapExportTask(
            results, self.card.attributes, folder, style, self._signals
        )
        task.setAutoDelete(False)
        self._heatmap_task = task
        self.busy_changed.emit(True)
        self._report(
            f"Exporting heatmaps of {len(results):,} images to {display_path(folder)}\u2026",
            logging.INFO,
        )
        self._pool.start(task)

    def cancel_heatmaps(self) -> None:
        if self._heatmap_task is not None:
            self._heatmap_task.stop_event.set()

    @Slot(object)
    def _on_heatmaps_written(self, outcome: ExportOutcome) -> None:
        self._heatmap_task = None
        self.busy_changed.emit(False)
        for error in outcome.errors:
            self._report(error, logging.WARNING)
        state = "stopped after" if outcome.stopped else "wrote"
        failed = f", {len(outcome.errors):,} images skipped" if outcome.errors else ""
        self._report(
            f"Heatmap export {state} {len(outcome.written):,} PNG files{failed}",
            logging.INFO,
        )
