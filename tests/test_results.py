"""Tests for artcomp_gui.results: streamed, resumed and atomic CSV and JSON tables."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from artcomp_gui.results import (
    ResultRow,
    ResultWriter,
    read_scored_paths,
    result_columns,
    result_format_for,
    write_results_atomically,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTES = ["balancing_elements", "color_harmony", "light"]
SCORES_A = {"balancing_elements": 0.123456, "color_harmony": -0.5, "light": 1.0}
SCORES_B = {"balancing_elements": 0.2, "color_harmony": 0.3, "light": -0.4}
ERROR_C = "c.jpg: the file is empty (0 bytes). Re-export or re-download it."


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _read_json(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_columns_order() -> None:
    assert result_columns(ATTRIBUTES) == ["path", *ATTRIBUTES, "error"]


def test_format_from_suffix() -> None:
    assert result_format_for("out/scores.JSON") == "json"
    assert result_format_for("out/scores.csv") == "csv"
    assert result_format_for("out/scores") == "csv"


def test_csv_rows_and_format(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    with ResultWriter(target, ATTRIBUTES) as writer:
        writer.write("a.jpg", SCORES_A, None)
        writer.write(Path("c.jpg"), None, ERROR_C)

    rows = _read_csv(target)
    assert rows[0] == ["path", *ATTRIBUTES, "error"]
    assert rows[1] == ["a.jpg", "0.1235", "-0.5000", "1.0000", ""]
    assert rows[2] == ["c.jpg", "", "", "", ERROR_C]
    assert len(rows) == 3


def test_json_records_and_format(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    with ResultWriter(target, ATTRIBUTES, format="json") as writer:
        writer.write("a.jpg", SCORES_A, None)
        writer.write("c.jpg", None, ERROR_C)

    records = _read_json(target)
    assert records[0] == {
        "path": "a.jpg",
        "balancing_elements": 0.1235,
        "color_harmony": -0.5,
        "light": 1.0,
        "error": None,
    }
    assert records[1]["error"] == ERROR_C
    assert records[1]["light"] is None
    assert list(records[1]) == ["path", *ATTRIBUTES, "error"]
    assert len(records) == 2


def test_json_valid_after_each_write(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    with ResultWriter(target, ATTRIBUTES, format="json") as writer:
        assert _read_json(target) == []
        for count in range(1, 6):
            writer.write(f"image_{count}.jpg", SCORES_B, None)
            records = _read_json(target)
            assert len(records) == count
            assert records[-1]["path"] == f"image_{count}.jpg"


def test_csv_valid_while_open(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    with ResultWriter(target, ATTRIBUTES) as writer:
        writer.write("a.jpg", SCORES_A, None)
        writer.write("b.jpg", SCORES_B, None)
        rows = _read_csv(target)
        assert [row[0] for row in rows] == ["path", "a.jpg", "b.jpg"]


@pytest.mark.parametrize("format", ["csv", "json"])
def test_killed_process_leaves_valid_file(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"scores.{format}"
    # The child writes three rows and dies without closing, as on SIGKILL.
    script = textwrap.dedent(
        f"""
        import os
        from artcomp_gui.results import ResultWriter
        writer = ResultWriter({str(target)!r}, {ATTRIBUTES!r}, format={format!r})
        for index in range(3):
            writer.write(f"image_{{index}}.jpg", {SCORES_B!r}, None)
        os._exit(1)
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 1, completed.stderr

    if format == "csv":
        paths = [row[0] for row in _read_csv(target)[1:]]
    else:
        paths = [record["path"] for record in _read_json(target)]
    assert paths == ["image_0.jpg", "image_1.jpg", "image_2.jpg"]


@pytest.mark.parametrize("format", ["csv", "json"])
def test_resume_appends(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"scores.{format}"
    with ResultWriter(target, ATTRIBUTES, format=format) as writer:
        writer.write("a.jpg", SCORES_A, None)
        writer.write("c.jpg", None, ERROR_C)

    assert read_scored_paths(target, format) == {"a.jpg"}

    with ResultWriter(target, ATTRIBUTES, format=format, resume=True) as writer:
        writer.write("c.jpg", SCORES_B, None)
        writer.write("d.jpg", SCORES_B, None)

    if format == "csv":
        rows = _read_csv(target)
        assert rows[0] == result_columns(ATTRIBUTES)
        paths = [row[0] for row in rows[1:]]
    else:
        paths = [record["path"] for record in _read_json(target)]
    assert paths == ["a.jpg", "c.jpg", "c.jpg", "d.jpg"]
    assert read_scored_paths(target, format) == {"a.jpg", "c.jpg", "d.jpg"}


@pytest.mark.parametrize("format", ["csv", "json"])
def test_resume_column_mismatch(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"scores.{format}"
    with ResultWriter(target, ATTRIBUTES, format=format) as writer:
        writer.write("a.jpg", SCORES_A, None)
    before = target.read_bytes()

    with pytest.raises(ValueError, match="cannot resume") as caught:
        ResultWriter(target, ATTRIBUTES[:2], format=format, resume=True)

    assert str(target) in str(caught.value)
    assert target.read_bytes() == before


@pytest.mark.parametrize("format", ["csv", "json"])
def test_resume_missing_file(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"new.{format}"
    assert read_scored_paths(target, format) == set()
    with ResultWriter(target, ATTRIBUTES, format=format, resume=True) as writer:
        writer.write("a.jpg", SCORES_A, None)
    assert read_scored_paths(target, format) == {"a.jpg"}


def test_resume_drops_partial_csv_row(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    with ResultWriter(target, ATTRIBUTES) as writer:
        writer.write("a.jpg", SCORES_A, None)
    with open(target, "ab") as file:
        file.write(b"b.jpg,0.2000,0.30")

    assert read_scored_paths(target, "csv") == {"a.jpg"}

    with ResultWriter(target, ATTRIBUTES, resume=True) as writer:
        writer.write("b.jpg", SCORES_B, None)

    rows = _read_csv(target)
    assert [row[0] for row in rows] == ["path", "a.jpg", "b.jpg"]
    assert all(len(row) == 5 for row in rows)


def test_resume_cut_json(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    with ResultWriter(target, ATTRIBUTES, format="json") as writer:
        writer.write("a.jpg", SCORES_A, None)
    target.write_bytes(target.read_bytes()[:-10])

    with pytest.raises(ValueError, match="not a valid JSON result file") as caught:
        ResultWriter(target, ATTRIBUTES, format="json", resume=True)
    assert str(target) in str(caught.value)


@pytest.mark.parametrize("format", ["csv", "json"])
def test_read_scored_nan_retried(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"scores.{format}"
    with ResultWriter(target, ATTRIBUTES, format=format) as writer:
        writer.write("a.jpg", SCORES_A, None)
        writer.write("nan.jpg", {**SCORES_B, "light": float("nan")}, None)
    assert read_scored_paths(target, format) == {"a.jpg"}


def test_write_rejects_wrong_scores(tmp_path: Path) -> None:
    with ResultWriter(tmp_path / "scores.csv", ATTRIBUTES) as writer:
        partial = {"balancing_elements": 0.1, "color_harmony": 0.2}
        with pytest.raises(ValueError, match="missing \\['light'\\]"):
            writer.write("a.jpg", partial, None)
        with pytest.raises(ValueError, match="unknown \\['vivid_color'\\]"):
            writer.write("a.jpg", {**SCORES_A, "vivid_color": 0.2}, None)
        with pytest.raises(ValueError, match="no scores and no error"):
            writer.write("a.jpg", None, None)


def test_write_after_close(tmp_path: Path) -> None:
    writer = ResultWriter(tmp_path / "scores.csv", ATTRIBUTES)
    writer.close()
    writer.close()
    assert writer.closed
    with pytest.raises(ValueError, match="already closed"):
        writer.write("a.jpg", SCORES_A, None)


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'xlsx'"):
        ResultWriter(tmp_path / "scores.xlsx", ATTRIBUTES, format="xlsx")
    with pytest.raises(ValueError, match="'xlsx'"):
        read_scored_paths(tmp_path / "scores.xlsx", "xlsx")


@pytest.mark.parametrize("format", ["csv", "json"])
def test_non_utf8_path_escaped(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"scores.{format}"
    image_path = os.fsdecode(b"caf\xe9.jpg")
    with ResultWriter(target, ATTRIBUTES, format=format) as writer:
        writer.write(image_path, SCORES_A, None)
    assert read_scored_paths(target, format) == {"caf\\xe9.jpg"}


@pytest.mark.parametrize("format", ["csv", "json"])
def test_atomic_write_leaves_no_temp(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"export.{format}"
    rows = [ResultRow("a.jpg", SCORES_A, None), ("c.jpg", None, ERROR_C)]

    write_results_atomically(target, rows, ATTRIBUTES, format)

    assert sorted(os.listdir(tmp_path)) == [target.name]
    assert read_scored_paths(target, format) == {"a.jpg"}
    assert target.stat().st_mode & 0o777 == 0o644


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)

    write_results_atomically(target, [("a.jpg", SCORES_A, None)], ATTRIBUTES, "csv")

    assert target.stat().st_mode & 0o777 == 0o640
    assert _read_csv(target)[1][0] == "a.jpg"


def test_atomic_write_failure_keeps_old(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old\n", encoding="utf-8")
    rows = [("a.jpg", SCORES_A, None), ("b.jpg", {"light": 0.1}, None)]

    with pytest.raises(ValueError, match="missing"):
        write_results_atomically(target, rows, ATTRIBUTES, "csv")

    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == [target.name]
