"""The command line as users run it: info, score, resume, exit statuses."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from artcomp_gui.cli import main
from artcomp_gui.model import load_model
from artcomp_gui.model.weights import bundled_weights_dir

ATTRIBUTES = [
    "balancing_elements",
    "color_harmony",
    "depth_of_field",
    "light",
    "object_emphasis",
    "rule_of_thirds",
    "vivid_color",
]


@pytest.fixture(scope="module")
def painting_folder(paintings_dir, tmp_path_factory) -> Path:
    """Five real paintings and two broken files in one folder."""
    folder = tmp_path_factory.mktemp("to-score")
    for source in sorted((paintings_dir / "symbolism").glob("*.jpg"))[:5]:
        shutil.copy(source, folder / source.name)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.png").write_text("not an image")
    return folder


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


def test_info_json_describes_model(capsys):
    assert main(["info", "--json", "--device", "cpu"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in info["model_card"]["attributes"]] == ATTRIBUTES
    assert info["device"] == "cpu"
    assert len(info["backbone_sha256"]) == 64
    assert len(info["tapped_layers"]) == 16
    for attribute in info["model_card"]["attributes"]:
        assert attribute["source"]["kind"] in ("teacher", "human ratings")
        assert attribute["accuracy"]["spearman"] > 0.3


def test_score_writes_rows_and_errors(painting_folder, tmp_path):
    output = tmp_path / "scores.csv"
    status = main(["score", str(painting_folder), "-o", str(output), "--workers", "0"])
    rows = read_rows(output)

    assert status == 1
    assert len(rows) == 7
    assert list(rows[0]) == ["path", *ATTRIBUTES, "error"]
    failed = [row for row in rows if row["error"]]
    assert sorted(Path(row["path"]).name for row in failed) == [
        "empty.jpg",
        "notes.png",
    ]
    scored = [row for row in rows if not row["error"]]
    assert all(-1 <= float(row[name]) <= 1 for row in scored for name in ATTRIBUTES)


def test_score_matches_model(painting_folder, tmp_path):
    output = tmp_path / "scores.json"
    painting = sorted(painting_folder.glob("*.jpg"))[0]
    assert main(["score", str(painting), "-o", str(output), "--workers", "0"]) == 0

    record = json.loads(output.read_text())[0]
    from artcomp_gui.image_loader import load_image

    expected = load_model(bundled_weights_dir(), "cpu").predict([load_image(painting)])[
        0
    ]
    for name in ATTRIBUTES:
        assert record[name] == pytest.approx(expected.scores[name], abs=1e-3)


def test_resume_skips_scored(painting_folder, tmp_path, capsys):
    output = tmp_path / "scores.csv"
    first = sorted(painting_folder.glob("*.jpg"))[:2]
    main(["score", *map(str, first), "-o", str(output), "--workers", "0"])
    main(
        ["score", str(painting_folder), "-o", str(output), "--resume", "--workers", "0"]
    )

    rows = read_rows(output)
    paths = [Path(row["path"]).name for row in rows]
    assert len(rows) == 7
    assert len(set(paths)) == 7
    assert "resuming: 2 images already scored" in capsys.readouterr().err


def test_usage_error_exits_2():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "artcomp_gui",
            "score",
            "--batch-size",
            "0",
            "x.jpg",
            "-o",
            "y.csv",
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert "--batch-size" in completed.stderr


def test_missing_model_folder_message(tmp_path, capsys):
    assert main(["info", "--model", str(tmp_path)]) == 1
    assert "model card not found" in capsys.readouterr().err


def test_output_that_is_an_input_rejected(painting_folder, tmp_path, capsys):
    painting = sorted(painting_folder.glob("*.jpg"))[0]
    before = painting.read_bytes()
    assert main(["score", str(painting_folder), "-o", str(painting)]) == 2
    assert painting.read_bytes() == before
    assert "would be overwritten" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-o", "{tmp}"], "is a folder"),
        (["-o", "{tmp}/missing/out.csv"], "does not exist"),
        (["-o", "{tmp}/out.csv", "--heatmaps", "{tmp}/file.txt"], "is a file"),
        (["-o", "{tmp}/out.csv", "--device", "bogus"], "unknown device"),
    ],
)
def test_bad_output_options_exit_2(
    painting_folder, tmp_path, capsys, arguments, message
):
    (tmp_path / "file.txt").write_text("x")
    filled = [argument.format(tmp=tmp_path) for argument in arguments]
    assert main(["score", str(painting_folder), *filled]) == 2
    assert message in capsys.readouterr().err


def test_heatmap_names_do_not_collide(paintings_dir, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        source = sorted((paintings_dir / "baroque").glob("*.jpg"))[
            0 if folder == "a" else 1
        ]
        shutil.copy(source, tmp_path / folder / "same.jpg")
    heatmaps = tmp_path / "heatmaps"
    status = main(
        [
            "score",
            str(tmp_path / "a"),
            str(tmp_path / "b"),
            "-o",
            str(tmp_path / "s.csv"),
            "--heatmaps",
            str(heatmaps),
            "--workers",
            "0",
        ]
    )
    assert status == 0
    assert len(list(heatmaps.glob("*.png"))) == 2 * len(ATTRIBUTES)
