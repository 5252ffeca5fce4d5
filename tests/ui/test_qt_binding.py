"""The Qt binding keeps Python's reference counts intact."""

from __future__ import annotations

from artcomp_gui.ui.qt_compat import binding_problem, none_reference_leak


def test_binding_keeps_none_references(qapp):
    # PySide6 6.12.0 on Python 3.11 fails here, and the app then aborts after some
    # thousands of Qt calls. The message names the fix.
    assert none_reference_leak() == 0, binding_problem()
