"""Heatmap settings: colormap, opacity, fading near zero, and the colorbar legend."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from artcomp_gui.ui.colorbar_legend import ColorbarLegend
from artcomp_gui.ui.heatmap_overlay import (
    DIVERGING_COLORMAPS,
    SEQUENTIAL_COLORMAPS,
    is_known_colormap,
)


class HeatmapControls(QWidget):
    """Colormap choice (diverging ones first), opacity slider, fade option, legend.

    Signals:
        colormap_changed(str): a matplotlib colormap name.
        opacity_changed(float): 0 to 1.
        fade_changed(bool): whether alpha follows the map's magnitude.
    """

    colormap_changed = Signal(str)
    opacity_changed = Signal(float)
    fade_changed = Signal(bool)

    def __init__(
        self, colormap: str, opacity: float, fade: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.colormap_box = QComboBox()
        for name in DIVERGING_COLORMAPS:
            self.colormap_box.addItem(f"{name} (diverging)", name)
        self.colormap_box.insertSeparator(self.colormap_box.count())
        for name in SEQUENTIAL_COLORMAPS:
            self.colormap_box.addItem(f"{name} (sequential)", name)
        self.colormap_box.setToolTip(
            "Diverging colormaps centre on zero: one colour for regions that raise "
            "the attribute, the other for regions that lower it. Sequential ones "
            "run from the map's minimum to its maximum."
        )
        self.set_colormap(colormap)
        self.colormap_box.currentIndexChanged.connect(self._on_colormap_index)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(opacity * 100))
        self.opacity_slider.setToolTip("Heatmap opacity")
        self.opacity_label = QLabel()
        self.opacity_label.setMinimumWidth(36)
        self._show_opacity(self.opacity_slider.value())
        self.opacity_slider.valueChanged.connect(self._on_opacity)

        self.fade_box = QCheckBox("Fade where the map is near zero")
        self.fade_box.setChecked(fade)
        self.fade_box.setToolTip(
            "Make regions that barely move the attribute transparent, so the "
            "painting shows through."
        )
        self.fade_box.toggled.connect(self.fade_changed)

        self.legend = ColorbarLegend()

        opacity_row = QHBoxLayout()
        opacity_row.addWidget(self.opacity_slider, 1)
        opacity_row.addWidget(self.opacity_label)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Colormap", self.colormap_box)
        form.addRow("Opacity", opacity_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addWidget(self.legend)
        layout.addLayout(form)
        layout.addWidget(self.fade_box)

    @property
    def colormap(self) -> str:
        return str(self.colormap_box.currentData())

    @property
    def opacity(self) -> float:
        return self.opacity_slider.value() / 100

    def set_colormap(self, name: str) -> None:
        if not is_known_colormap(name):
            raise ValueError(f"unknown colormap {name!r}")
        self.colormap_box.setCurrentIndex(self.colormap_box.findData(name))

    def _on_colormap_index(self, index: int) -> None:
        name = self.colormap_box.itemData(index)
        if name:
            self.colormap_changed.emit(str(name))

    def _on_opacity(self, value: int) -> None:
        self._show_opacity(value)
        self.opacity_changed.emit(value / 100)

    def _show_opacity(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
