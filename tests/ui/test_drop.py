"""Dropping files on the window opens images, scores them and reports bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from artcomp_gui.image_loader import load_image
from artcomp_gui.ui.attribute_panel import format_score
from artcomp_gui.ui.workers import path_key

SCORE_TIMEOUT_MS = 60_000


def drop(window, paths: list[Path | str], urls: list[QUrl] | None = None) -> bool:
    """Send a drag-enter and a drop of ``paths`` to the window, as a file manager does.

    Returns whether the window accepted the drag.
    """
    mime = QMimeData()
    mime.setUrls(urls or [QUrl.fromLocalFile(str(path)) for path in paths])
    position = QPoint(window.width() // 2, window.height() // 2)
    arguments = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    try:
        enter = QDragEnterEvent(position.toPointF(), *arguments)
    except TypeError:
        # PySide6 before 6.12 takes only a QPoint here, later ones prefer QPointF.
        enter = QDragEnterEvent(position, *arguments)
    QApplication.sendEvent(window, enter)
    dropped = QDropEvent(
        position.toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, dropped)
    return enter.isAccepted()


def test_drop_paintings_shows_model_values(
    qtbot, make_window, scoring_model, painting_paths
):
    window = make_window(scoring_model)
    paths = painting_paths[:3]

    accepted = drop(window, paths)
    qtbot.waitUntil(
        lambda: window.current_result() is not None, timeout=SCORE_TIMEOUT_MS
    )

    expected = scoring_model.predict([load_image(paths[0])])[0]
    bars = window.panel.bars
    assert accepted
    assert window.current_path == path_key(paths[0])
    assert window.strip_model.keys == [path_key(path) for path in paths]
    assert [bar.spec.name for bar in bars] == scoring_model.attribute_names
    for bar in bars:
        value = expected.scores[bar.spec.name]
        assert bar.value is not None, bar.spec.name
        assert abs(bar.value - value) < 1e-4, bar.spec.name
        assert bar.value_text() == format_score(value, bar.spec.is_signed)
    if expected.overall is not None:
        assert window.panel.overall is not None
        assert window.panel.overall.text() == f"{expected.overall:.2f}"


def test_drop_scores_the_other_images(
    qtbot, make_window, scoring_model, painting_paths
):
    window = make_window(scoring_model)
    paths = painting_paths[3:5]

    drop(window, paths)
    qtbot.waitUntil(
        lambda: all(window.results.get(path_key(path)) for path in paths),
        timeout=SCORE_TIMEOUT_MS,
    )
    window.navigate(1)
    window.navigate(-1)
    # Going back shows the cached result at once, without scoring again.
    cached = window.current_result()
    pending = window.controller.is_image_pending(paths[0])
    window.navigate(1)

    assert cached is not None
    assert not pending
    assert window.current_path == path_key(paths[1])
    assert (
        window.panel.bars[0].value
        == window.results.get(path_key(paths[1])).scores[window.panel.bars[0].spec.name]
    )


def test_drop_while_model_loads_is_queued(
    qtbot, make_window, scoring_model, painting_paths
):
    window = make_window(None)
    path = painting_paths[5]

    drop(window, [path])
    waiting = window.panel.state_text()
    window.controller.use_model(scoring_model)
    qtbot.waitUntil(
        lambda: window.current_result() is not None, timeout=SCORE_TIMEOUT_MS
    )

    assert "Waiting for the model" in waiting
    assert window.current_result().scores is not None
    assert window.panel.bars[0].value is not None


def test_drop_bad_files_reports_them(qtbot, make_window, scoring_model, tmp_path):
    window = make_window(scoring_model)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"")
    missing = tmp_path / "missing.png"

    drop(window, [text_file, missing, broken])
    qtbot.waitUntil(
        lambda: any("broken.jpg" in message for message in window.messages.messages()),
        timeout=SCORE_TIMEOUT_MS,
    )
    messages = window.messages.messages()

    assert any("notes.txt" in m and "not a JPEG" in m for m in messages)
    assert any("missing.png" in m and "not found" in m for m in messages)
    assert any("broken.jpg" in m and "empty" in m for m in messages)
    assert window.strip_model.keys == [path_key(broken)]
    assert window.isVisible()


def test_drop_remote_url_reports_it(qtbot, make_window, scoring_model):
    window = make_window(scoring_model)

    drop(window, [], urls=[QUrl("https://example.invalid/painting.jpg")])

    assert any(
        "painting.jpg" in m and "only files" in m for m in window.messages.messages()
    )
    assert window.strip_model.rowCount() == 0


def test_close_image_shows_neighbour(qtbot, make_window, scoring_model, painting_paths):
    window = make_window(scoring_model)
    paths = painting_paths[6:8]
    drop(window, paths)

    window.close_image(path_key(paths[0]))

    assert window.strip_model.keys == [path_key(paths[1])]
    assert window.current_path == path_key(paths[1])


def test_rescore_scores_again(qtbot, make_window, scoring_model, painting_paths):
    window = make_window(scoring_model)
    drop(window, [painting_paths[8]])
    qtbot.waitUntil(
        lambda: window.current_result() is not None, timeout=SCORE_TIMEOUT_MS
    )
    first = window.current_result()

    with qtbot.waitSignal(window.controller.image_scored, timeout=SCORE_TIMEOUT_MS):
        window.rescore_current()
    second = window.current_result()

    assert second is not None
    assert second is not first
    assert second.scores == pytest.approx(first.scores, abs=1e-5)
