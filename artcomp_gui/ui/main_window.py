"""The main window: image view, attribute panel, image strip, folder results, messages."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from artcomp_gui.image_loader import IMAGE_EXTENSIONS, display_path
from artcomp_gui.model import AttributeModel, ModelCard
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.attribute_panel import AttributePanel
from artcomp_gui.ui.batch_progress import BatchProgressWidget
from artcomp_gui.ui.caches import LruCache
from artcomp_gui.ui.exports import ExportController
from artcomp_gui.ui.folder_scoring_view import SUPPORTED_TEXT, FolderScoringView
from artcomp_gui.ui.folder_table import FolderPanel
from artcomp_gui.ui.heatmap_controls import HeatmapControls
from artcomp_gui.ui.heatmap_export import HeatmapStyle
from artcomp_gui.ui.heatmap_presenter import HeatmapPresenter
from artcomp_gui.ui.image_store import ImageStore
from artcomp_gui.ui.image_strip import STRIP_HEIGHT, ImageListModel, ImageStrip
from artcomp_gui.ui.menus import build_menus
from artcomp_gui.ui.message_log import MessageLog
from artcomp_gui.ui.painting_view import PaintingView
from artcomp_gui.ui.settings import AppSettings
from artcomp_gui.ui.workers import (
    FolderJob,
    InferenceController,
    path_key,
)

logger = logging.getLogger(__name__)

STATUS_MESSAGE_MS = 10_000
RESULT_CACHE_COUNT = 50_000


class MainWindow(QMainWindow):
    """The explorer window. It opens images, shows their scores and heatmaps, and
    scores folders through ``controller``.

    Args:
        settings: persistent settings, read at start and written on close.
        controller: the worker threads; the window loads no model itself.
        store: decoded images; a new one if None.
    """

    def __init__(
        self,
        settings: AppSettings,
        controller: InferenceController,
        store: ImageStore | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.controller = controller
        self.store = store or ImageStore(self)
        self.card: ModelCard | None = None
        # NOTE: results are keyed by path only, so a file edited after scoring keeps
        # its old scores until View > Rescore Image (F5).
        self.results: LruCache[str, ScoredImage] = LruCache(RESULT_CACHE_COUNT)
        self._current: str | None = None
        self._attribute: int | None = None
        self._reported: set[tuple[str, str]] = set()

        self.setWindowTitle("ArtComp")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self._build_widgets()
        self._build_status_bar()
        self.exports = ExportController(self, self.folder_panel, settings, self.report)
        self.heatmap = HeatmapPresenter(
            self.view, self.heatmap_controls, settings, self._update_overlay
        )
        self.folder_scoring = FolderScoringView(
            controller,
            self.folder_panel,
            self.batch_progress,
            self.messages,
            self.results,
            self.report,
            self._on_folder_result,
        )
        self.actions = build_menus(self)
        self._connect()
        self._restore_layout()
        self.view.set_placeholder(
            "Drop paintings or photographs here\nor a folder to score it\n\n"
            "File \u25b8 Open Images\u2026 (Ctrl+O)"
        )
        self.panel.set_state("Loading the model\u2026")

    # Construction -------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.view = PaintingView()
        self.setCentralWidget(self.view)

        self.panel = AttributePanel()
        self.heatmap_controls = HeatmapControls(
            self.settings.colormap, self.settings.opacity, self.settings.fade_near_zero
        )
        heatmap_box = QGroupBox("Heatmap")
        box_layout = QVBoxLayout(heatmap_box)
        box_layout.setContentsMargins(0, 4, 0, 0)
        box_layout.addWidget(self.heatmap_controls)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.panel)
        side_layout.addWidget(heatmap_box)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(290)
        self.attributes_dock = self._dock(
            "Attributes", scroll, Qt.DockWidgetArea.RightDockWidgetArea
        )

        self.strip_model = ImageListModel(self.store, self)
        self.strip = ImageStrip(self.strip_model)
        self.images_dock = self._dock(
            "Images", self.strip, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.folder_panel = FolderPanel(self.store)
        self.folder_dock = self._dock(
            "Folder Results", self.folder_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.messages = MessageLog()
        self.messages_dock = self._dock(
            "Messages", self.messages, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.images_dock, self.folder_dock)
        self.tabifyDockWidget(self.folder_dock, self.messages_dock)
        self.images_dock.raise_()
        self.resizeDocks(
            [self.images_dock], [STRIP_HEIGHT + 40], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.attributes_dock], [320], Qt.Orientation.Horizontal)

    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "") + "Dock")
        dock.setWidget(widget)
        dock.setAcceptDrops(False)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        self.batch_progress = BatchProgressWidget()
        self.queue_label = QLabel()
        self.zoom_label = QLabel()
        self.model_label = QLabel("Loading model\u2026")
        for label in (self.queue_label, self.zoom_label, self.model_label):
            label.setStyleSheet("padding: 0 6px;")
        status = self.statusBar()
        status.addPermanentWidget(self.batch_progress)
        status.addPermanentWidget(self.queue_label)
        status.addPermanentWidget(self.zoom_label)
        status.addPermanentWidget(self.model_label)

    def _connect(self) -> None:
        controller = self.controller
        controller.model_ready.connect(self._on_model_ready)
        controller.model_failed.connect(self._on_model_failed)
        controller.image_scored.connect(self._on_image_scored)
        controller.busy_changed.connect(self._update_queue_label)

        self.store.image_ready.connect(self._on_image_ready)
        self.store.image_failed.connect(self._on_image_failed)
        self.strip.current_changed.connect(self.show_image)
        self.strip.remove_requested.connect(self.close_image)
        self.view.navigate_requested.connect(self.navigate)
        self.view.zoom_changed.connect(self._on_zoom_changed)
        self.panel.attribute_clicked.connect(self.toggle_attribute)

        self.folder_panel.result_selected.connect(self._on_row_selected)
        self.folder_panel.export_requested.connect(self.exports.ask_and_export_results)
        self.folder_panel.heatmap_export_requested.connect(
            lambda selected: self.exports.ask_and_export_heatmaps(
                selected, self.heatmap_style()
            )
        )

    def _restore_layout(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        state = self.settings.window_state
        if state is not None:
            self.restoreState(state)

    # Messages -----------------------------------------------------------------------

    def report(self, message: str, level: int = logging.INFO) -> None:
        """Show ``message`` in the status bar and the Messages list, and log it."""
        logger.log(level, "%s", message)
        self.statusBar().showMessage(message, STATUS_MESSAGE_MS)
        self.messages.add(message, level)

    def _report_once(self, key: str, message: str) -> None:
        # Displaying and scoring a broken file fail with the same message.
        if (key, message) not in self._reported:
            self._reported.add((key, message))
            self.report(message, logging.WARNING)

    # Model --------------------------------------------------------------------------

    @Slot(object)
    def _on_model_ready(self, model: AttributeModel) -> None:
        self.card = model.card
        self.exports.card = model.card
        self.panel.set_attributes(model.card.attributes, model.card.overall)
        self.folder_panel.set_attributes(model.card.attributes, model.card.overall)
        self.actions.set_attributes(model.card.attributes)
        self.model_label.setText(f"{model.card.name} \u00b7 {model.device_name}")
        self.model_label.setToolTip(
            f"Model card: {model.card.name}\nDevice: {model.device_name}"
        )
        self.report(
            f"Model \u201c{model.card.name}\u201d loaded on {model.device_name}"
        )
        self.panel.set_state(
            "" if self._current else "Open or drop an image to score it."
        )
        if self._current is not None:
            self._refresh_scores()

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self.model_label.setText("No model")
        self.model_label.setToolTip(message)
        self.panel.set_state(f"The model could not be loaded: {message}", error=True)
        self.report(f"The model could not be loaded: {message}", logging.ERROR)

    # Opening ------------------------------------------------------------------------

    def open_paths(self, paths: Sequence[str | os.PathLike[str]]) -> None:
        """Open image files in the strip, showing the first, and score folders.

        A path that is neither gets a message naming it and the reason.
        """
        images: list[Path] = []
        for raw_path in paths:
            path = Path(raw_path)
            try:
                is_folder = path.is_dir()
                exists = is_folder or path.exists()
            except OSError as error:
                self.report(
                    f"{display_path(path)}: cannot be read ({error})", logging.WARNING
                )
                continue
            if is_folder:
                self.score_folder([path])
            elif not exists:
                self.report(f"{display_path(path)}: file not found", logging.WARNING)
            elif path.suffix.lower() in IMAGE_EXTENSIONS:
                images.append(path)
            else:
                self.report(
                    f"{display_path(path)}: not opened, because it is not a "
                    f"{SUPPORTED_TEXT} file",
                    logging.WARNING,
                )
        if not images:
            return
        keys = self.strip_model.add(images)
        for key in keys[1:]:
            if self.results.get(key) is None:
                self.controller.request_image(key)
        self.settings.last_folder = str(Path(keys[0]).parent)
        self.images_dock.raise_()
        self.show_image(keys[0])

    def ask_open_images(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Open Images",
            self.settings.last_folder or str(Path.home()),
            f"Images ({patterns});;All files (*)",
        )
        if paths:
            self.open_paths(paths)

    def ask_score_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Score Folder", self.settings.last_folder or str(Path.home())
        )
        if folder:
            self.settings.last_folder = folder
            self.score_folder([Path(folder)])

    def score_folder(self, folders: Sequence[Path]) -> FolderJob:
        """Queue a folder job; it starts when the model is loaded and earlier jobs end."""
        running = self.controller.batch_running is not None
        job = self.controller.score_folder(folders, self.settings.recursive)
        self.folder_dock.raise_()
        where = display_path(job.root)
        if running or self.controller.model is None:
            self.report(f"Queued folder {where} for scoring")
        self._update_queue_label()
        return job

    def cancel_batch(self) -> None:
        """Stop the running folder job after its current batch; its rows stay."""
        self.folder_scoring.cancel()

    def _on_folder_result(self, key: str) -> None:
        if key == self._current:
            self._refresh_scores()

    # Showing an image ---------------------------------------------------------------

    @Slot(str)
    def show_image(self, path: str | os.PathLike[str]) -> None:
        """Show an image: its pixels, bars and heatmap, from the caches when present."""
        key = path_key(path)
        changed = key != self._current
        self._current = key
        if changed:
            self.panel.set_title(os.path.basename(key), display_path(key))
            # Qt adds the application display name, "ArtComp", to the title.
            self.setWindowTitle(os.path.basename(key))
            image = self.store.image(key)
            if image is not None:
                self.view.set_image(image)
            elif self.store.is_broken(key):
                self.view.clear_image(f"{os.path.basename(key)} cannot be displayed")
            else:
                self.view.clear_image(f"Loading {os.path.basename(key)}\u2026")
        row = self.strip_model.row_of(key)
        if row is not None and self.strip.currentIndex().row() != row:
            self.strip.select_row(row)
        self.folder_panel.select_path(key)
        self._refresh_scores()
        self._prefetch_neighbour(row)

    def _prefetch_neighbour(self, row: int | None) -> None:
        if row is None:
            return
        following = self.strip_model.key_at(row + 1)
        if following is not None:
            self.store.prefetch(following)

    @property
    def current_path(self) -> str | None:
        return self._current

    def current_result(self) -> ScoredImage | None:
        return None if self._current is None else self.results.get(self._current)

    def _refresh_scores(self) -> None:
        result = self.current_result()
        if result is not None:
            self.panel.set_scores(result.scores, result.overall)
            self.panel.set_state(result.error or "", error=result.error is not None)
        else:
            self.panel.set_scores(None)
            if self.controller.model is not None:
                self.controller.request_image(self._current, urgent=True)  # type: ignore[arg-type]
                self.panel.set_state("Scoring\u2026")
            elif self.controller.model_error:
                self.panel.set_state(
                    f"Not scored: the model could not be loaded "
                    f"({self.controller.model_error})",
                    error=True,
                )
            else:
                self.panel.set_state("Waiting for the model to load\u2026")
        self._update_overlay()

    def navigate(self, step: int) -> None:
        """Show the previous (-1) or next (+1) image of the strip, or of the table when
        the current image came from the table."""
        if self._current is not None and self.strip_model.row_of(self._current) is None:
            table = self.folder_panel.table
            row = table.currentIndex().row() + step
            if 0 <= row < self.folder_panel.proxy.rowCount():
                table.selectRow(row)
            return
        self.strip.move(step)

    def close_image(self, key: str) -> None:
        """Remove an image from the strip and show its neighbour."""
        row = self.strip_model.row_of(key)
        if row is None:
            return
        self.strip_model.remove(row)
        following = self.strip_model.key_at(min(row, self.strip_model.rowCount() - 1))
        if following is not None:
            self.show_image(following)
        else:
            self._current = None
            self.setWindowTitle("")
            self.view.clear_image("Drop paintings or photographs here")
            self.panel.set_title("No image")
            self.panel.set_scores(None)
            self._update_overlay()

    def rescore_current(self) -> None:
        """Decode and score the current image again, as after editing the file."""
        if self._current is None:
            return
        key = self._current
        self.results.pop(key)
        self.store.forget(key)
        self._reported = {entry for entry in self._reported if entry[0] != key}
        self.heatmap.forget()
        self.strip_model.set_error(key, None)
        self._current = None
        self.show_image(key)

    @Slot(str)
    def _on_image_ready(self, key: str) -> None:
        if key == self._current:
            image = self.store.image(key)
            if image is not None:
                self.view.set_image(image)
                self._update_overlay()

    @Slot(str, str)
    def _on_image_failed(self, key: str, message: str) -> None:
        self.strip_model.set_error(key, message)
        self._report_once(key, message)
        if key == self._current:
            self.view.clear_image(f"Cannot display this file.\n\n{message}")

    @Slot(object)
    def _on_image_scored(self, result: ScoredImage) -> None:
        key = path_key(result.path)
        self.results.put(key, result)
        if result.error:
            self.strip_model.set_error(key, result.error)
            self._report_once(key, result.error)
        if key == self._current:
            self._refresh_scores()

    @Slot(object)
    def _on_row_selected(self, result: ScoredImage) -> None:
        key = path_key(result.path)
        if self.results.get(key) is None:
            self.results.put(key, result)
        self.show_image(key)

    # Heatmap ------------------------------------------------------------------------

    @property
    def selected_attribute(self) -> int | None:
        """Index (card order) of the attribute whose heatmap is shown, or None."""
        return self._attribute

    def toggle_attribute(self, index: int) -> None:
        """Show attribute ``index``'s heatmap, or hide it if it is already shown."""
        self.select_attribute(None if index == self._attribute else index)

    def select_attribute(self, index: int | None) -> None:
        if self.card is None or (
            index is not None and not 0 <= index < len(self.card.attributes)
        ):
            return
        self._attribute = index
        self.panel.set_selected(index)
        self.actions.set_checked_attribute(index)
        self._update_overlay()

    def heatmap_style(self) -> HeatmapStyle:
        return self.heatmap.style()

    def _update_overlay(self) -> None:
        label = ""
        if self.card is not None and self._attribute is not None:
            label = self.card.attributes[self._attribute].label
        index = self._attribute if self.card is not None else None
        self.heatmap.show(self._current, self.current_result(), index, label)

    def _update_queue_label(self) -> None:
        parts = []
        images = self.controller.queued_images
        folders = self.controller.queued_folders
        if images:
            parts.append(f"{images} image{'s' if images != 1 else ''} to score")
        if folders:
            parts.append(f"{folders} folder{'s' if folders != 1 else ''} queued")
        self.queue_label.setText(", ".join(parts))

    def _on_zoom_changed(self, zoom: float) -> None:
        size = self.view.image_size
        dimensions = f"{size[0]}\u00d7{size[1]} px, " if size else ""
        fit = "fit, " if self.view.fits_window else ""
        self.zoom_label.setText(f"{dimensions}{fit}{zoom * 100:.0f}%")

    # Drag and drop ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = []
        for url in event.mimeData().urls():
            if url.isLocalFile():
                paths.append(url.toLocalFile())
            else:
                self.report(
                    f"{url.toDisplayString()}: not opened, because only files on this "
                    "computer can be opened",
                    logging.WARNING,
                )
        event.acceptProposedAction()
        self.open_paths(paths)

    # Closing ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.sync()
        self.exports.cancel_heatmaps()
        self.controller.shutdown()
        self.store.wait_for_tasks(5_000)
        super().closeEvent(event)
