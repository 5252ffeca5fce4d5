"""Detection of a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` on every call of a
method that returns nothing (``QLabel.setText``, ``QWidget.update``, ...). Python
3.12 and later make ``None`` immortal, so there the bug is harmless. On 3.11 the count
reaches zero after some thousands of such calls and the interpreter aborts with
"Fatal Python error: none_dealloc". PySide6 6.11.3 does not have the bug (checked by
calling ``QObject.setObjectName`` 300 times and comparing ``sys.getrefcount(None)``).
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import QObject

PROBE_CALLS = 200


def none_reference_leak() -> int:
    """Return how many references to None ``PROBE_CALLS`` void Qt calls dropped.

    0 on a sound binding. Python 3.12 and later report 0 because None is immortal.
    """
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("probe")
    return max(0, before - sys.getrefcount(None))


def binding_problem() -> str | None:
    """Return a message for the user if the Qt binding corrupts reference counts."""
    if sys.version_info >= (3, 12):
        return None
    lost = none_reference_leak()
    if lost < PROBE_CALLS // 2:
        return None
    return (
        f"PySide6 {PYSIDE_VERSION} loses a reference to None on each Qt call under "
        f"Python {sys.version_info.major}.{sys.version_info.minor}, so ArtComp will "
        "crash after a while. Install PySide6-Essentials 6.11.3 "
        '(pip install "PySide6-Essentials==6.11.3") or use Python 3.12 or later.'
    )
