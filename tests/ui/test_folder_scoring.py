"""Folder scoring: rows as images finish, errors, sorting, export, cancel."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer

from artcomp_gui.ui.folder_results_model import SORT_ROLE
from artcomp_gui.ui.main_window import MainWindow
from artcomp_gui.ui.settings import AppSettings
from artcomp_gui.ui.workers import InferenceController, path_key

BATCH_TIMEOUT_MS = 180_000
REPO_ROOT = Path(__file__).resolve().parents[2]
PAINTING_COUNT = 20


def link_paintings(paths: list[Path], folder: Path) -> list[Path]:
    """Symlink paintings into ``folder`` under unique names; return the links."""
    folder.mkdir(parents=True, exist_ok=True)
    links = []
    for number, source in enumerate(paths):
        link = folder / f"{number:02d}_{source.parent.name}_{source.name}"
        link.symlink_to(source)
        links.append(link)
    return links


@pytest.fixture(scope="module")
def painting_folder(tmp_path_factory, painting_paths: list[Path]) -> Path:
    """20 paintings plus an empty JPEG and a truncated JPEG."""
    folder = tmp_path_factory.mktemp("folder") / "paintings"
    link_paintings(painting_paths[10 : 10 + PAINTING_COUNT], folder)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(painting_paths[0].read_bytes()[:300])
    return folder


def read_csv(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return rows[0], {row[0]: row[1:] for row in rows[1:]}


def wait_until(condition, timeout_ms: int) -> None:
    """Run the Qt event loop until ``condition()`` is true; fail after ``timeout_ms``.

    A module-scoped fixture cannot use qtbot, which is per test.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_ms} ms")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


@pytest.fixture(scope="module")
def scored_folder_window(qapp, tmp_path_factory, scoring_model, painting_folder):
    """One window that has scored the folder, shared by this module's tests, because
    scoring it takes several seconds on a CPU."""
    settings = AppSettings(
        QSettings(
            str(tmp_path_factory.mktemp("settings") / "settings.ini"),
            QSettings.Format.IniFormat,
        )
    )
    controller = InferenceController()
    controller.set_batch_options(4, 0)
    window = MainWindow(settings, controller)
    window.resize(1200, 800)
    window.show()
    controller.use_model(scoring_model)
    finished = []
    controller.batch_finished.connect(lambda *args: finished.append(args))
    window.score_folder([painting_folder])
    wait_until(lambda: finished, BATCH_TIMEOUT_MS)
    window.folder_panel.flush()
    yield window
    window.close()


def test_folder_rows_and_errors(scored_folder_window):
    model = scored_folder_window.folder_panel.model
    errors = {
        Path(result.path).name: result.error for result in model.results if result.error
    }

    assert model.rowCount() == PAINTING_COUNT + 2
    assert model.counts() == (PAINTING_COUNT, 2)
    assert sorted(errors) == ["empty.jpg", "truncated.jpg"]
    assert "empty" in errors["empty.jpg"]
    assert "truncated.jpg" in errors["truncated.jpg"]
    assert not scored_folder_window.batch_progress.isVisible()


def test_folder_csv_matches_command_line(
    qtbot, scored_folder_window, scoring_model_dir, painting_folder, tmp_path
):
    exported = tmp_path / "gui.csv"
    reference = tmp_path / "cli.csv"
    with qtbot.waitSignal(
        scored_folder_window.exports.results_exported, timeout=30_000
    ) as signal:
        scored_folder_window.exports.export_results(exported, "csv")

    command = [sys.executable, "-m", "artcomp_gui", "score", str(painting_folder)]
    command += ["--output", str(reference), "--device", "cpu", "--workers", "0"]
    if scoring_model_dir is not None:
        command += ["--model", str(scoring_model_dir)]
    finished = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=600, cwd=REPO_ROOT
    )
    gui_header, gui_rows = read_csv(exported)
    reference_header, reference_rows = read_csv(reference)

    assert signal.args[2] == ""
    assert finished.returncode == 1, finished.stderr
    assert gui_header == reference_header
    assert sorted(gui_rows) == sorted(reference_rows)
    for path, cells in reference_rows.items():
        assert gui_rows[path][:-1] == cells[:-1], path
        assert gui_rows[path][-1] == cells[-1], path


def test_folder_json_export(qtbot, scored_folder_window, tmp_path):
    exported = tmp_path / "gui.json"
    with qtbot.waitSignal(
        scored_folder_window.exports.results_exported, timeout=30_000
    ):
        scored_folder_window.exports.export_results(exported, "json")
    records = json.loads(exported.read_text("utf-8"))

    assert len(records) == PAINTING_COUNT + 2
    assert sum(1 for record in records if record["error"]) == 2


def test_folder_sort_by_attribute(scored_folder_window):
    panel = scored_folder_window.folder_panel
    name = scored_folder_window.card.attributes[2].name
    column = panel.model.attribute_column(name)

    panel.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    values = [
        panel.proxy.index(row, column).data(SORT_ROLE)
        for row in range(panel.proxy.rowCount())
    ]
    scored = [value for value in values if value is not None]

    assert scored == sorted(scored, reverse=True)
    assert values[-2:] == [None, None]
    assert len(scored) == PAINTING_COUNT


def test_folder_row_selection_shows_image(qtbot, scored_folder_window):
    window = scored_folder_window
    panel = window.folder_panel
    panel.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    panel.table.selectRow(0)
    result = panel.visible_results()[0]
    qtbot.waitUntil(lambda: window.view.has_image, timeout=10_000)

    assert window.current_path == path_key(result.path)
    for bar in window.panel.bars:
        assert bar.value == result.scores[bar.spec.name]


def test_folder_heatmap_export(qtbot, scored_folder_window, tmp_path):
    window = scored_folder_window
    results = window.folder_panel.visible_results()[:2]
    out = tmp_path / "heatmaps"
    out.mkdir()
    with qtbot.waitSignal(
        window.exports.busy_changed,
        timeout=60_000,
        check_params_cb=lambda busy: not busy,
    ):
        window.exports.export_heatmaps(out, results, window.heatmap_style())
    written = sorted(path.name for path in out.iterdir())
    scored = [result for result in results if result.ok]
    expected = sorted(
        f"{Path(result.path).stem}_{spec.name}.png"
        for result in scored
        for spec in window.card.attributes
    )

    assert written == expected


def test_cancel_keeps_finished_rows(
    qtbot, make_window, scoring_model, painting_paths, tmp_path
):
    window = make_window(scoring_model, batch_size=2, num_workers=0)
    folder = tmp_path / "many"
    link_paintings(painting_paths[:40], folder)
    controller = window.controller

    with qtbot.waitSignal(
        controller.batch_finished, timeout=BATCH_TIMEOUT_MS
    ) as finished:
        window.score_folder([folder])
        qtbot.waitUntil(lambda: controller._done >= 2, timeout=BATCH_TIMEOUT_MS)
        delivered_at_cancel = controller._done
        window.cancel_batch()
    window.folder_panel.flush()
    summary = finished.args[1]
    rows = window.folder_panel.model.rowCount()

    assert summary.stopped
    assert rows >= delivered_at_cancel
    assert rows < 40
    assert rows == summary.scored + summary.failed
    assert not window.batch_progress.isVisible()
    assert any("cancelled" in message for message in window.messages.messages())


def test_folder_drop_queued_behind_running_batch(
    qtbot, make_window, scoring_model, painting_paths, tmp_path
):
    window = make_window(scoring_model, batch_size=2, num_workers=0)
    first = tmp_path / "first"
    second = tmp_path / "second"
    link_paintings(painting_paths[40:43], first)
    link_paintings(painting_paths[43:45], second)
    finished = []
    window.controller.batch_finished.connect(
        lambda job, summary, error: finished.append(job)
    )

    window.score_folder([first])
    window.open_paths([second])
    queued = window.controller.queued_folders
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=BATCH_TIMEOUT_MS)
    window.folder_panel.flush()

    assert queued == 1
    assert [job.root.name for job in finished] == ["first", "second"]
    assert window.folder_panel.model.rowCount() == 5
