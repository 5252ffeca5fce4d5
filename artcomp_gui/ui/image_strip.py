"""Strip of the opened images as thumbnails; arrow keys and clicks move through it."""

from __future__ import annotations

import os
from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from artcomp_gui.image_loader import display_path
from artcomp_gui.ui.image_store import THUMBNAIL_SIDE, ImageStore
from artcomp_gui.ui.workers import path_key

ERROR_COLOUR = QColor("#c0392b")
ITEM_SIZE = QSize(THUMBNAIL_SIDE + 24, THUMBNAIL_SIDE + 26)
STRIP_HEIGHT = ITEM_SIZE.height() + 24

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class ImageListModel(QAbstractListModel):
    """Opened image files, in the order they were opened, with their states.

    Each row shows the file name under its thumbnail. A row whose file could not be
    decoded or scored is drawn in red, with the message as its tooltip.
    """

    def __init__(self, store: ImageStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._errors: dict[str, str] = {}
        store.thumbnail_ready.connect(self._on_thumbnail_ready)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._keys):
            return None
        key = self._keys[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(key)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._store.thumbnail(key)
        if role == Qt.ItemDataRole.ToolTipRole:
            error = self._errors.get(key)
            return f"{display_path(key)}\n{error}" if error else display_path(key)
        if role == Qt.ItemDataRole.ForegroundRole and key in self._errors:
            return QBrush(ERROR_COLOUR)
        if role == Qt.ItemDataRole.UserRole:
            return key
        if role == Qt.ItemDataRole.SizeHintRole:
            return ITEM_SIZE
        return None

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def row_of(self, path: str | os.PathLike[str]) -> int | None:
        return self._rows.get(path_key(path))

    def key_at(self, row: int) -> str | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def add(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Append files not yet in the strip; return the keys of all given files."""
        keys = [path_key(path) for path in paths]
        new = list(dict.fromkeys(key for key in keys if key not in self._rows))
        if new:
            first = len(self._keys)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for key in new:
                self._rows[key] = len(self._keys)
                self._keys.append(key)
            self.endInsertRows()
        return keys

    def remove(self, row: int) -> None:
        if not 0 <= row < len(self._keys):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        key = self._keys.pop(row)
        self._errors.pop(key, None)
        self._rows = {key: position for position, key in enumerate(self._keys)}
        self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._keys.clear()
        self._rows.clear()
        self._errors.clear()
        self.endResetModel()

    def set_error(self, path: str | os.PathLike[str], message: str | None) -> None:
        """Mark a file as failed (drawn red), or clear the mark with None."""
        key = path_key(path)
        if message:
            self._errors[key] = message
        else:
            self._errors.pop(key, None)
        row = self._rows.get(key)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def _on_thumbnail_ready(self, key: str) -> None:
        row = self._rows.get(key)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class ImageStrip(QListView):
    """Horizontal thumbnail strip of an ``ImageListModel``.

    Left and Right move the selection, as do Home and End. Delete removes the
    current image from the strip, leaving the file alone.

    Signals:
        current_changed(str key): the selected image changed.
        remove_requested(str key): the user pressed Delete on an image.
    """

    current_changed = Signal(str)
    remove_requested = Signal(str)

    def __init__(self, model: ImageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        self.setGridSize(ITEM_SIZE + QSize(6, 4))
        self.setSpacing(2)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumHeight(STRIP_HEIGHT)
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    def list_model(self) -> ImageListModel:
        model = self.model()
        assert isinstance(model, ImageListModel)
        return model

    def select_row(self, row: int) -> None:
        """Make ``row`` current and selected, without emitting ``current_changed``
        unless it differs from the current row."""
        index = self.model().index(row, 0)
        if not index.isValid():
            return
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)

    def move(self, step: int) -> None:
        """Select the image ``step`` places after the current one, clamped."""
        count = self.model().rowCount()
        if count == 0:
            return
        current = self.currentIndex().row()
        row = 0 if current < 0 else min(count - 1, max(0, current + step))
        self.select_row(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.currentIndex().isValid():
            key = self.currentIndex().data(Qt.ItemDataRole.UserRole)
            self.remove_requested.emit(key)
            return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:
        # Typed characters are attribute shortcuts (1 to 7), not a file-name search.
        return

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self.current_changed.emit(current.data(Qt.ItemDataRole.UserRole))
