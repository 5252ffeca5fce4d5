"""Attribute panel: one bar per attribute in model-card order, plus the overall score.

Bars of attributes on a range centred on zero, such as [-1, 1], grow from the middle:
right for positive values, left for negative ones. Other ranges grow from the left.
Clicking a bar asks for its heatmap. The overall score, when the model card has one,
is a separate figure under the bars, never an eighth bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from artcomp_gui.model import AttributeSpec

BAR_HEIGHT = 10
PADDING = 6
POSITIVE_COLOUR = QColor("#d6604d")
NEGATIVE_COLOUR = QColor("#4393c3")
UNSIGNED_COLOUR = QColor("#4c9a6a")


def format_score(value: float, signed: bool) -> str:
    """Format a score for a bar: a sign for signed ranges, two decimals."""
    return f"{value:+.2f}" if signed else f"{value:.2f}"


class AttributeBar(QWidget):
    """One attribute's label, shortcut key, value and bar.

    Signals:
        clicked(): the user clicked the bar.
    """

    clicked = Signal()

    def __init__(
        self, spec: AttributeSpec, shortcut: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.shortcut = shortcut
        self._value: float | None = None
        self._selected = False
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(200)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setToolTip(self._tooltip())
        self.setAccessibleName(spec.label)

    @property
    def value(self) -> float | None:
        return self._value

    @property
    def selected(self) -> bool:
        return self._selected

    def value_text(self) -> str:
        """The number shown beside the label, or an em dash when there is no value."""
        if self._value is None:
            return "\u2014"
        return format_score(self._value, self.spec.is_signed)

    def set_value(self, value: float | None) -> None:
        self._value = value
        self.setAccessibleDescription(self.value_text())
        self.update()

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        self.update()

    def fraction(self) -> tuple[float, float]:
        """Return the filled span of the track as (start, end) fractions of its width."""
        if self._value is None:
            return (0.0, 0.0)
        low, high = self.spec.low, self.spec.high
        position = (min(high, max(low, self._value)) - low) / (high - low)
        origin = 0.5 if self.spec.is_signed else 0.0
        return (min(origin, position), max(origin, position))

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(240, line + BAR_HEIGHT + 3 * PADDING)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)

        if self._selected:
            highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
            highlight.setAlpha(60)
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(highlight)
            painter.drawRoundedRect(rect, 5, 5)
        elif self.underMouse():
            hover = QColor(palette.color(QPalette.ColorRole.Highlight))
            hover.setAlpha(25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hover)
            painter.drawRoundedRect(rect, 5, 5)

        metrics = self.fontMetrics()
        line = metrics.height()
        text_rect = QRectF(
            rect.left() + PADDING,
            rect.top() + PADDING / 2,
            rect.width() - 2 * PADDING,
            line,
        )
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))

        label_font = QFont(self.font())
        label_font.setBold(self._selected)
        value_font = QFont(self.font())
        value_font.setBold(True)
        value_font.setFamilies(["monospace"] + value_font.families())
        value_width = max(
            metrics.horizontalAdvance("+0.00") + 8,
            metrics.horizontalAdvance(self.value_text()) + 8,
        )

        painter.setFont(label_font)
        label = (
            f"{self.shortcut}  {self.spec.label}" if self.shortcut else self.spec.label
        )
        label = painter.fontMetrics().elidedText(
            label, Qt.TextElideMode.ElideRight, int(text_rect.width() - value_width)
        )
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
        )
        painter.setFont(value_font)
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            self.value_text(),
        )

        track = QRectF(
            rect.left() + PADDING,
            text_rect.bottom() + PADDING / 2,
            rect.width() - 2 * PADDING,
            BAR_HEIGHT,
        )
        track_colour = QColor(palette.color(QPalette.ColorRole.Mid))
        track_colour.setAlpha(90)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track_colour)
        painter.drawRoundedRect(track, BAR_HEIGHT / 2, BAR_HEIGHT / 2)

        start, end = self.fraction()
        if end > start:
            if not self.spec.is_signed:
                colour = UNSIGNED_COLOUR
            elif (self._value or 0.0) >= 0:
                colour = POSITIVE_COLOUR
            else:
                colour = NEGATIVE_COLOUR
            fill = QRectF(
                track.left() + start * track.width(),
                track.top(),
                max(1.0, (end - start) * track.width()),
                track.height(),
            )
            painter.setBrush(colour)
            painter.drawRoundedRect(fill, 3, 3)

        if self.spec.is_signed:
            centre = track.center().x()
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawLine(
                int(centre), int(track.top() - 2), int(centre), int(track.bottom() + 2)
            )

    def _tooltip(self) -> str:
        lines = [f"<b>{self.spec.label}</b>"]
        details = self.spec.tooltip()
        if details:
            lines.append(details.replace("\n", "<br>"))
        lines.append(f"Range {self.spec.low:g} to {self.spec.high:g}.")
        if self.shortcut:
            hint = (
                f"Click or press {self.shortcut} to show its heatmap, again to hide it."
            )
        else:
            hint = "Click to show its heatmap, again to hide it."
        lines.append(f"<i>{hint}</i>")
        return "<br>".join(lines)


class OverallScore(QFrame):
    """The overall score as a large number with its range, apart from the bars."""

    def __init__(self, spec: AttributeSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._value_label = QLabel("\u2014")
        font = self._value_label.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self._value_label.setFont(font)
        self._value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(f"{spec.label} ({spec.low:g} to {spec.high:g})")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(0)
        layout.addWidget(self._value_label)
        layout.addWidget(caption)
        self.setToolTip(spec.tooltip() or spec.label)

    def text(self) -> str:
        return self._value_label.text()

    def set_value(self, value: float | None) -> None:
        self._value_label.setText("\u2014" if value is None else f"{value:.2f}")


class AttributePanel(QWidget):
    """Bars for every attribute of a model card, a state line and the overall score.

    Signals:
        attribute_clicked(int): index (card order) of the clicked bar.
    """

    attribute_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[AttributeBar] = []
        self._overall: OverallScore | None = None
        self._selected: int | None = None

        self._title = QLabel("No image")
        title_font = self._title.font()
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._title.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self._state = QLabel("")
        self._state.setWordWrap(True)
        self._state.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self._bar_box = QVBoxLayout()
        self._bar_box.setSpacing(2)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.addWidget(self._title)
        self._layout.addWidget(self._state)
        self._layout.addLayout(self._bar_box)
        self._layout.addStretch(1)

    @property
    def bars(self) -> Sequence[AttributeBar]:
        return tuple(self._bars)

    @property
    def overall(self) -> OverallScore | None:
        return self._overall

    @property
    def selected(self) -> int | None:
        return self._selected

    def state_text(self) -> str:
        return self._state.text()

    def set_attributes(
        self, specs: Sequence[AttributeSpec], overall: AttributeSpec | None
    ) -> None:
        """Build one bar per spec, in the given order, and the overall figure."""
        for bar in self._bars:
            bar.deleteLater()
        self._bars = []
        if self._overall is not None:
            self._overall.deleteLater()
            self._overall = None

        for index, spec in enumerate(specs):
            shortcut = str(index + 1) if index < 9 else ""
            bar = AttributeBar(spec, shortcut, self)
            bar.clicked.connect(lambda index=index: self.attribute_clicked.emit(index))
            self._bar_box.addWidget(bar)
            self._bars.append(bar)
        if overall is not None:
            self._overall = OverallScore(overall, self)
            self._layout.insertWidget(self._layout.count() - 1, self._overall)
        self._selected = None

    def set_title(self, text: str, tooltip: str = "") -> None:
        self._title.setText(text)
        self._title.setToolTip(tooltip)

    def set_state(self, text: str, error: bool = False) -> None:
        """Show a one-line state ("Scoring…") or, with ``error``, a failure in red."""
        self._state.setText(text)
        self._state.setStyleSheet("color: #c0392b;" if error else "")
        self._state.setVisible(bool(text))

    def set_scores(
        self, scores: Mapping[str, float] | None, overall: float | None = None
    ) -> None:
        """Show ``scores`` (attribute name to value) on the bars; None clears them."""
        for bar in self._bars:
            bar.set_value(None if scores is None else scores.get(bar.spec.name))
        if self._overall is not None:
            self._overall.set_value(overall if scores is not None else None)

    def set_selected(self, index: int | None) -> None:
        """Highlight the bar whose heatmap is shown; None highlights none."""
        self._selected = index
        for position, bar in enumerate(self._bars):
            bar.set_selected(position == index)
