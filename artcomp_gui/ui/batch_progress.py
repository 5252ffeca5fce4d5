"""Status-bar progress of folder scoring: bar, counts, time left and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from artcomp_gui.ui.workers import BatchProgress


def format_duration(seconds: float) -> str:
    """Format a duration as ``0:45``, ``12:03`` or ``2:05:00``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def describe_progress(progress: BatchProgress) -> str:
    """Return e.g. ``12 of 22 images, 10 left, about 0:45 left, 1 failed``."""
    parts = [
        f"{progress.done:,} of {progress.total:,} images",
        f"{progress.remaining:,} left",
    ]
    if progress.seconds_left is not None and progress.remaining:
        parts.append(f"about {format_duration(progress.seconds_left)} left")
    elif progress.remaining:
        parts.append("estimating time left")
    if progress.failed:
        parts.append(f"{progress.failed:,} failed")
    return ", ".join(parts)


class BatchProgressWidget(QWidget):
    """Progress bar, counts, time left and a Cancel button; hidden while idle.

    Signals:
        cancel_requested(): the user pressed Cancel.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.label = QLabel()
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop folder scoring; rows scored so far stay")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)

    def start(self, folder_name: str) -> None:
        """Show an indeterminate bar while the folder is listed."""
        self.bar.setRange(0, 0)
        self.label.setText(f"Listing {folder_name}\u2026")
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def update_progress(self, progress: BatchProgress) -> None:
        self.bar.setRange(0, max(1, progress.total))
        self.bar.setValue(progress.done)
        self.label.setText(describe_progress(progress))

    def set_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling after the current batch\u2026")

    def finish(self) -> None:
        self.setVisible(False)
