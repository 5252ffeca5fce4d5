"""Folder results panel: a sortable, filterable table of scored images and its actions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from artcomp_gui.model import AttributeSpec
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.folder_results_model import (
    RESULT_ROLE,
    FolderResultsModel,
    FolderResultsProxy,
)
from artcomp_gui.ui.image_store import ImageStore

# Rows arriving from the batch thread are added to the table at most this often, so
# a fast GPU delivering hundreds of images a second does not flood the GUI thread.
FLUSH_INTERVAL_MS = 100
ROW_THUMBNAIL_SIDE = 40


class FolderPanel(QWidget):
    """The folder results table with a filter box and export buttons.

    Rows are added through ``add_result``, buffered, and inserted every
    ``FLUSH_INTERVAL_MS``. Sorting by a column header keeps working while rows
    arrive.

    Signals:
        result_selected(ScoredImage): the current row changed to this image.
        export_requested(str format): "csv" or "json".
        heatmap_export_requested(bool selected_only): export heatmap PNGs.
    """

    result_selected = Signal(object)
    export_requested = Signal(str)
    heatmap_export_requested = Signal(bool)

    def __init__(self, store: ImageStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FolderResultsModel(store, self)
        self.proxy = FolderResultsProxy(self)
        self.proxy.setSourceModel(self.model)
        self._pending: list[tuple[ScoredImage, Path | None]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self.flush)

        self.summary = QLabel(
            "No folder scored yet. Use File \u25b8 Score Folder or drop a folder."
        )
        self.summary.setWordWrap(True)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by file name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(260)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)

        self.export_csv_button = self._button(
            "Export CSV\u2026", lambda: self.export_requested.emit("csv")
        )
        self.export_json_button = self._button(
            "Export JSON\u2026", lambda: self.export_requested.emit("json")
        )
        self.heatmap_button = QToolButton()
        self.heatmap_button.setText("Export Heatmaps")
        self.heatmap_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.heatmap_button)
        self.export_selected_action = QAction("Selected Rows\u2026", menu)
        self.export_selected_action.triggered.connect(
            lambda: self.heatmap_export_requested.emit(True)
        )
        self.export_all_action = QAction("All Rows\u2026", menu)
        self.export_all_action.triggered.connect(
            lambda: self.heatmap_export_requested.emit(False)
        )
        menu.addAction(self.export_selected_action)
        menu.addAction(self.export_all_action)
        self.heatmap_button.setMenu(menu)
        self.clear_button = self._button("Clear", self.clear)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(ROW_THUMBNAIL_SIDE, ROW_THUMBNAIL_SIDE))
        self.table.verticalHeader().setDefaultSectionSize(ROW_THUMBNAIL_SIDE + 6)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.setAcceptDrops(False)
        self.table.viewport().setAcceptDrops(False)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.filter_edit)
        toolbar.addStretch(1)
        for widget in (
            self.export_csv_button,
            self.export_json_button,
            self.heatmap_button,
            self.clear_button,
        ):
            toolbar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addLayout(toolbar)
        layout.addWidget(self.table)
        self._update_actions()

    def _button(self, text: str, slot: object) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.clicked.connect(slot)
        return button

    def set_attributes(
        self, specs: Sequence[AttributeSpec], overall: AttributeSpec | None
    ) -> None:
        self.model.set_attributes(specs, overall)
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        header.resizeSection(0, 220)
        for column in range(1, self.model.error_column):
            label = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            # Room for the label and the sort indicator.
            header.resizeSection(column, max(72, metrics.horizontalAdvance(label) + 28))

    # Rows ---------------------------------------------------------------------------

    def add_result(self, result: ScoredImage, root: Path | None) -> None:
        """Buffer a row; it appears within ``FLUSH_INTERVAL_MS``."""
        self._pending.append((result, root))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Insert the buffered rows now."""
        self._flush_timer.stop()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        by_root: dict[Path | None, list[ScoredImage]] = {}
        for result, root in pending:
            by_root.setdefault(root, []).append(result)
        for root, results in by_root.items():
            self.model.append(results, root)
        self._update_actions()

    def clear(self) -> None:
        self._pending.clear()
        self.model.clear()
        self.summary.setText("Results cleared.")
        self._update_actions()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def visible_results(self) -> list[ScoredImage]:
        """Rows that pass the filter, in the table's sort order."""
        return [
            self.proxy.index(row, 0).data(RESULT_ROLE)
            for row in range(self.proxy.rowCount())
        ]

    def selected_results(self) -> list[ScoredImage]:
        """Selected rows, in the table's sort order."""
        rows = sorted(
            {index.row() for index in self.table.selectionModel().selectedRows()}
        )
        return [self.proxy.index(row, 0).data(RESULT_ROLE) for row in rows]

    def is_filtered(self) -> bool:
        return bool(self.filter_edit.text())

    def select_path(self, key: str) -> None:
        """Make the row of ``key`` current, if the table has it and the filter shows it."""
        source_row = self.model.row_of(key)
        if source_row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if index.isValid() and index.row() != self.table.currentIndex().row():
            self.table.selectRow(index.row())

    def _on_current_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self.result_selected.emit(current.data(RESULT_ROLE))

    def _update_actions(self) -> None:
        has_rows = self.model.rowCount() > 0
        for widget in (
            self.export_csv_button,
            self.export_json_button,
            self.heatmap_button,
            self.clear_button,
        ):
            widget.setEnabled(has_rows)
