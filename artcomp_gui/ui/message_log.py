"""Messages for the user: every failure and notice, with the time it happened."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

MAX_MESSAGES = 2_000
_COLOURS = {
    logging.ERROR: QColor("#c0392b"),
    logging.WARNING: QColor("#b9770e"),
}


class MessageLog(QListWidget):
    """List of the messages shown in the status bar, newest last.

    The status bar shows one message for a few seconds. This list keeps them, so a
    burst of failures (a folder drop with many unreadable files) is not lost.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setAcceptDrops(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)

    def add(self, message: str, level: int = logging.INFO) -> None:
        stamp = time.strftime("%H:%M:%S")
        item = QListWidgetItem(f"{stamp}  {message}")
        item.setToolTip(message)
        colour = _COLOURS.get(level)
        if colour is not None:
            item.setForeground(QBrush(colour))
        self.addItem(item)
        while self.count() > MAX_MESSAGES:
            self.takeItem(0)
        self.scrollToBottom()

    def messages(self) -> list[str]:
        """Return the message texts without their time stamps."""
        return [self.item(row).toolTip() for row in range(self.count())]
