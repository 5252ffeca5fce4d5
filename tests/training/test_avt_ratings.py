"""AVT rater decisions: real annotation files and a small synthetic set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from artcomp_gui.training.labels import (
    LabelFileError,
    avt_label_table,
    count_avt_raters,
    read_avt_ratings,
    single_rater_agreement,
    spearman_correlation,
)

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
AVT_DIR = DATA_DIR / "avt_image_db"


@pytest.fixture(scope="module")
def annotations_dir() -> Path:
    folder = AVT_DIR / "annotations"
    if not folder.exists():
        pytest.skip(f"AVT annotations not found at {folder}")
    return folder


def write_annotations(folder: Path, decisions: dict[str, dict[str, list[str]]]):
    """Write E<n>_<stem>.ldjson files; decisions[stem][rater] lists 'image:yes'."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, by_rater in decisions.items():
        for rater, entries in by_rater.items():
            lines = []
            for entry in entries:
                image, decision = entry.split(":")
                lines.append(
                    json.dumps({"decision": decision, "image": f"./jpg/{image}"})
                )
            (folder / f"{rater}_{stem}.ldjson").write_text("\n".join(lines) + "\n")


@pytest.fixture()
def small_set(tmp_path: Path) -> Path:
    raters = ["E1", "E2", "E3", "E4", "E5"]
    thirds = {rater: ["a.jpg:yes", "b.jpg:no"] for rater in raters}
    thirds["E1"].append("c.jpg:yes")
    thirds["E2"][0] = "a.jpg:no"
    simplicity = {rater: ["a.jpg:no", "b.jpg:yes"] for rater in raters}
    write_annotations(tmp_path, {"rule_of_thirds": thirds, "simplicity": simplicity})
    return tmp_path


def test_small_set_targets(small_set: Path):
    ratings = read_avt_ratings(small_set)
    assert set(ratings) == {"a.jpg", "b.jpg"}
    assert ratings["a.jpg"]["rule_of_thirds"] == pytest.approx(0.6)
    assert ratings["a.jpg"]["object_emphasis"] == -1.0
    assert ratings["b.jpg"]["rule_of_thirds"] == -1.0
    assert ratings["b.jpg"]["object_emphasis"] == 1.0


def test_small_set_keep_all(small_set: Path):
    ratings = read_avt_ratings(small_set, min_raters=1)
    assert ratings["c.jpg"] == {"rule_of_thirds": 1.0}


def test_small_set_rater_counts(small_set: Path):
    counts = count_avt_raters(small_set)
    assert counts["a.jpg"] == {"rule_of_thirds": 5, "object_emphasis": 5}
    assert counts["c.jpg"] == {"rule_of_thirds": 1}


def test_invalid_decision_names_line(tmp_path: Path):
    write_annotations(tmp_path, {"simplicity": {"E1": ["a.jpg:yes"]}})
    (tmp_path / "E1_rule_of_thirds.ldjson").write_text(
        '{"decision": "yes", "image": "./jpg/a.jpg"}\n'
        '{"decision": "maybe", "image": "./jpg/b.jpg"}\n'
    )
    with pytest.raises(LabelFileError, match="line 2"):
        read_avt_ratings(tmp_path)


def test_broken_json_names_line(tmp_path: Path):
    write_annotations(tmp_path, {"simplicity": {"E1": ["a.jpg:yes"]}})
    (tmp_path / "E1_rule_of_thirds.ldjson").write_text('{"decision": "yes",\n')
    with pytest.raises(LabelFileError, match="line 1: invalid JSON"):
        read_avt_ratings(tmp_path)


def test_contradicting_decisions_rejected(tmp_path: Path):
    write_annotations(
        tmp_path,
        {
            "rule_of_thirds": {"E1": ["a.jpg:yes", "a.jpg:no"]},
            "simplicity": {"E1": ["a.jpg:yes"]},
        },
    )
    with pytest.raises(LabelFileError, match="both yes and no"):
        read_avt_ratings(tmp_path)


def test_missing_files_rejected(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="rule_of_thirds"):
        read_avt_ratings(tmp_path)


def test_min_raters_below_one_rejected(small_set: Path):
    with pytest.raises(ValueError, match="min_raters"):
        read_avt_ratings(small_set, min_raters=0)


def test_spearman_with_ties():
    first = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=float)
    second = np.array([0.8, 0.2, 0.4, 0.6, 0.2, 0.0, 1.0, 0.4])
    # Reference value from the Pearson correlation of the average ranks by hand.
    first_ranks = np.array([6.5, 2.5, 6.5, 6.5, 2.5, 2.5, 6.5, 2.5])
    second_ranks = np.array([7.0, 2.5, 4.5, 6.0, 2.5, 1.0, 8.0, 4.5])
    expected = np.corrcoef(first_ranks, second_ranks)[0, 1]
    assert spearman_correlation(first, second) == pytest.approx(expected)
    assert np.isnan(spearman_correlation(np.ones(5), np.arange(5.0)))


def test_real_ratings_counts(annotations_dir: Path):
    ratings = read_avt_ratings(annotations_dir)
    assert len(ratings) == 1119
    assert "02Sm19d0.jpg" in ratings
    for image, targets in ratings.items():
        assert set(targets) == {"rule_of_thirds", "object_emphasis"}, image
        for value in targets.values():
            assert -1.0 <= value <= 1.0


def test_real_ratings_keep_all(annotations_dir: Path):
    ratings = read_avt_ratings(annotations_dir, min_raters=1)
    assert len(ratings) == 1133
    only_thirds = [image for image, t in ratings.items() if len(t) == 1]
    assert len(only_thirds) == 14


def test_real_rater_counts(annotations_dir: Path):
    counts = count_avt_raters(annotations_dir)
    full = [image for image, c in counts.items() if c.get("rule_of_thirds") == 5]
    assert len(counts) == 1133
    assert len(full) == 1119


def test_real_single_rater_agreement(annotations_dir: Path):
    thirds = single_rater_agreement(annotations_dir, "rule_of_thirds")
    simplicity = single_rater_agreement(annotations_dir, "object_emphasis")
    assert thirds == pytest.approx(0.33, abs=0.01)
    assert simplicity == pytest.approx(0.60, abs=0.01)


def test_real_label_table(annotations_dir: Path):
    previews = AVT_DIR / "previews"
    if not previews.exists():
        pytest.skip(f"AVT previews not found at {previews}")
    table = avt_label_table(read_avt_ratings(annotations_dir), previews)
    assert len(table) == 1119
    assert table.attribute_names == ["rule_of_thirds", "object_emphasis"]
    assert not np.isnan(table.values).any()
    assert all(path.is_file() for path in table.paths[:20])
