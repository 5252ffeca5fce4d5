"""The app entry point opens the window, loads the model, opens paths and logs."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from artcomp_gui.ui.app import main
from artcomp_gui.ui.logging_setup import LOG_FILE_NAME
from artcomp_gui.ui.main_window import MainWindow

START_TIMEOUT_S = 120


def find_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def test_main_opens_and_scores(
    qapp, monkeypatch, tmp_path, random_model_dir, painting_paths
):
    # main() installs its own exception hook; monkeypatch restores the old one.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    handlers_before = list(logging.getLogger().handlers)
    seen: dict[str, object] = {}
    waited = [0.0]

    def poll() -> None:
        window = find_window()
        done = window is not None and window.current_result() is not None
        waited[0] += 0.1
        if done or waited[0] > START_TIMEOUT_S:
            if window is not None:
                seen["values"] = [bar.value for bar in window.panel.bars]
                seen["model_label"] = window.model_label.text()
                window.close()
            else:
                qapp.quit()
            return
        QTimer.singleShot(100, poll)

    QTimer.singleShot(100, poll)
    try:
        status = main(
            [str(painting_paths[0])], weights_dir=random_model_dir, device="cpu"
        )
    finally:
        for handler in logging.getLogger().handlers:
            if handler not in handlers_before:
                logging.getLogger().removeHandler(handler)
                handler.close()
    log_files = list((tmp_path / "data").rglob(LOG_FILE_NAME))

    assert status == 0
    assert len(seen.get("values", [])) == 7
    assert all(value is not None for value in seen["values"])
    assert "random heads" in str(seen["model_label"])
    assert len(log_files) == 1
    assert "starting" in log_files[0].read_text("utf-8")
