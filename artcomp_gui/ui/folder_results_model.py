"""Table model of folder scoring results, and the proxy that sorts and filters it."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from artcomp_gui.image_loader import display_path
from artcomp_gui.model import AttributeSpec
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.attribute_panel import format_score
from artcomp_gui.ui.image_store import ImageStore
from artcomp_gui.ui.workers import path_key

ERROR_COLOUR = QColor("#c0392b")
SORT_ROLE = Qt.ItemDataRole.UserRole
RESULT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class FolderResultsModel(QAbstractTableModel):
    """Rows of scored images: file (with thumbnail), one column per attribute, the
    overall score if the card has one, and the error.

    ``SORT_ROLE`` gives a column's sort key: the score (None when missing) or the text.
    ``RESULT_ROLE`` gives the row's ``ScoredImage``.
    """

    def __init__(self, store: ImageStore, parent: object = None) -> None:
        super().__init__(parent)
        self._store = store
        self._specs: list[AttributeSpec] = []
        self._overall: AttributeSpec | None = None
        self._results: list[ScoredImage] = []
        self._names: list[str] = []
        self._rows: dict[str, int] = {}
        store.thumbnail_ready.connect(self._on_thumbnail_ready)

    # Columns ------------------------------------------------------------------------

    def set_attributes(
        self, specs: Sequence[AttributeSpec], overall: AttributeSpec | None
    ) -> None:
        """Set the score columns from a model card; rows are kept."""
        self.beginResetModel()
        self._specs = list(specs)
        self._overall = overall
        self.endResetModel()

    @property
    def specs(self) -> list[AttributeSpec]:
        return list(self._specs)

    @property
    def error_column(self) -> int:
        return self.columnCount() - 1

    def attribute_column(self, name: str) -> int:
        """Return the column of attribute ``name``.

        Raises:
            KeyError: if no column shows that attribute.
        """
        for position, spec in enumerate(self._specs):
            if spec.name == name:
                return position + 1
        if self._overall is not None and self._overall.name == name:
            return len(self._specs) + 1
        raise KeyError(f"no column for attribute {name!r}")

    def _score_specs(self) -> list[AttributeSpec]:
        return self._specs + ([self._overall] if self._overall is not None else [])

    # Rows ---------------------------------------------------------------------------

    @property
    def results(self) -> list[ScoredImage]:
        """All rows in the order they arrived."""
        return list(self._results)

    def row_of(self, path: str | os.PathLike[str]) -> int | None:
        """Return the source row of a file, or None if the table does not have it."""
        return self._rows.get(path_key(path))

    def result_for(self, path: str | os.PathLike[str]) -> ScoredImage | None:
        row = self._rows.get(path_key(path))
        return None if row is None else self._results[row]

    def append(self, results: Sequence[ScoredImage], root: Path | None) -> None:
        """Add rows; a file already in the table has its row replaced.

        Args:
            results: scored or failed images.
            root: folder the file names are shown relative to, or None for names only.
        """
        new: dict[str, tuple[ScoredImage, str]] = {}
        for result in results:
            key = path_key(result.path)
            name = _relative_name(result.path, root)
            row = self._rows.get(key)
            if row is None:
                # A later result for the same file in this call replaces the earlier.
                new[key] = (result, name)
                continue
            self._results[row] = result
            self._names[row] = name
            self.dataChanged.emit(
                self.index(row, 0), self.index(row, self.error_column)
            )
        if not new:
            return
        first = len(self._results)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for key, (result, name) in new.items():
            self._rows[key] = len(self._results)
            self._results.append(result)
            self._names.append(name)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._results.clear()
        self._names.clear()
        self._rows.clear()
        self.endResetModel()

    def counts(self) -> tuple[int, int]:
        """Return (scored, failed) row counts."""
        failed = sum(1 for result in self._results if not result.ok)
        return len(self._results) - failed, failed

    # Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._results)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._score_specs()) + 2

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        specs = self._score_specs()
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return "File"
            if section == self.error_column:
                return "Error"
            return specs[section - 1].label
        if role == Qt.ItemDataRole.ToolTipRole and 0 < section < self.error_column:
            spec = specs[section - 1]
            return spec.tooltip() or spec.label
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._results):
            return None
        result = self._results[index.row()]
        column = index.column()
        if role == RESULT_ROLE:
            return result
        if column == 0:
            return self._file_data(index.row(), result, role)
        if column == self.error_column:
            if role in (
                Qt.ItemDataRole.DisplayRole,
                SORT_ROLE,
                Qt.ItemDataRole.ToolTipRole,
            ):
                return result.error or ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(ERROR_COLOUR)
            return None
        return self._score_data(result, self._score_specs()[column - 1], role)

    def _file_data(self, row: int, result: ScoredImage, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return self._names[row]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._store.thumbnail(result.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return display_path(result.path)
        if role == Qt.ItemDataRole.ForegroundRole and not result.ok:
            return QBrush(ERROR_COLOUR)
        return None

    def _score_data(
        self, result: ScoredImage, spec: AttributeSpec, role: int
    ) -> object:
        if spec is self._overall:
            value = result.overall
        else:
            value = None if result.scores is None else result.scores.get(spec.name)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else format_score(value, spec.is_signed)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _on_thumbnail_ready(self, key: str) -> None:
        row = self._rows.get(key)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class FolderResultsProxy(QSortFilterProxyModel):
    """Sorts numerically by ``SORT_ROLE`` with missing scores last in either order,
    and filters on the file column, case-insensitively."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: Index, right: Index) -> bool:
        left_value = left.data(SORT_ROLE)
        right_value = right.data(SORT_ROLE)
        left_missing = _is_missing(left_value)
        right_missing = _is_missing(right_value)
        if left_missing or right_missing:
            if left_missing and right_missing:
                return left.row() < right.row()
            # Missing values go last whichever way the column is sorted.
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return right_missing if ascending else left_missing
        if isinstance(left_value, str) or isinstance(right_value, str):
            return str(left_value).lower() < str(right_value).lower()
        return float(left_value) < float(right_value)


def _is_missing(value: object) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, float) and math.isnan(value)


def _relative_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return display_path(Path(path).relative_to(root))
        except ValueError:
            pass
    return display_path(Path(path).name)
