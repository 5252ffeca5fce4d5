"""Colorbar legend of the heatmap overlay: the colour ramp with its values."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from artcomp_gui.ui.heatmap_overlay import (
    LUT_SIZE,
    ColorScale,
    colormap_lut,
    format_value,
)

RAMP_HEIGHT = 14
MARGIN = 6


class ColorbarLegend(QWidget):
    """Horizontal colour ramp with the low, zero (or middle) and high values.

    Shows a caption above the ramp, such as "lowers ◀ Rule of Thirds ▶ raises" for a
    centred scale. With no scale it shows a hint instead.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale: ColorScale | None = None
        self._title = ""
        self._hint = "No heatmap shown"
        self._ramp: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(160)

    @property
    def scale(self) -> ColorScale | None:
        return self._scale

    def set_scale(self, scale: ColorScale | None, title: str = "") -> None:
        """Show ``scale`` with ``title`` (the attribute label), or the hint if None."""
        self._scale = scale
        self._title = title
        self._ramp = _ramp_image(scale.colormap) if scale is not None else None
        self.setToolTip(self._tooltip())
        self.update()

    def set_hint(self, text: str) -> None:
        self._hint = text
        self.update()

    def tick_labels(self) -> list[str]:
        """Return the value labels under the ramp, left to right."""
        if self._scale is None:
            return []
        middle = (
            0.0 if self._scale.centred else (self._scale.low + self._scale.high) / 2
        )
        return [format_value(v) for v in (self._scale.low, middle, self._scale.high)]

    def caption(self) -> str:
        if self._scale is None:
            return self._hint
        if self._scale.centred:
            return f"lowers \u25c0  {self._title}  \u25b6 raises"
        return f"{self._title}: low \u2192 high contribution"

    def sizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).height()
        return QSize(220, 2 * line + RAMP_HEIGHT + 3 * MARGIN)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        text_colour = self.palette().windowText().color()
        inner = self.rect().adjusted(MARGIN, 0, -MARGIN, 0)

        caption_rect = QRect(inner.left(), 0, inner.width(), line + MARGIN)
        painter.setPen(text_colour)
        caption = metrics.elidedText(
            self.caption(), Qt.TextElideMode.ElideMiddle, inner.width()
        )
        painter.drawText(caption_rect, Qt.AlignmentFlag.AlignCenter, caption)
        if self._scale is None or self._ramp is None:
            return

        ramp_rect = QRectF(inner.left(), line + MARGIN, inner.width(), RAMP_HEIGHT)
        painter.drawImage(ramp_rect, self._ramp)
        painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
        painter.drawRect(ramp_rect)

        tick_top = ramp_rect.bottom()
        labels = self.tick_labels()
        positions = (ramp_rect.left(), ramp_rect.center().x(), ramp_rect.right())
        alignments = (
            Qt.AlignmentFlag.AlignLeft,
            Qt.AlignmentFlag.AlignHCenter,
            Qt.AlignmentFlag.AlignRight,
        )
        painter.setPen(text_colour)
        for label, x, alignment in zip(labels, positions, alignments):
            painter.drawLine(int(x), int(tick_top), int(x), int(tick_top + 3))
            width = metrics.horizontalAdvance(label) + 4
            if alignment == Qt.AlignmentFlag.AlignLeft:
                left = x
            elif alignment == Qt.AlignmentFlag.AlignRight:
                left = x - width
            else:
                left = x - width / 2
            rect = QRectF(left, tick_top + 3, width, line)
            painter.drawText(rect, alignment | Qt.AlignmentFlag.AlignTop, label)

    def _tooltip(self) -> str:
        if self._scale is None:
            return ""
        if self._scale.centred:
            return (
                "Contribution of each region to the attribute head's pre-activation "
                "(the map's mean plus the head's bias is the pre-activation). The "
                "scale is symmetric about zero at this map's largest magnitude."
            )
        return (
            "Contribution of each region to the attribute head's pre-activation, "
            "from this map's minimum to its maximum."
        )


def _ramp_image(colormap: str) -> QImage:
    lut = np.ascontiguousarray(colormap_lut(colormap)[None, :, :])
    image = QImage(lut.data, LUT_SIZE, 1, LUT_SIZE * 4, QImage.Format.Format_RGBA8888)
    return image.copy()
