"""End-to-end training on a few real paintings: heads, card, reload, fine-tuning step."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from artcomp_gui.model import load_model
from artcomp_gui.model.weights import sha256_of
from artcomp_gui.training.config import read_config
from artcomp_gui.training.finetune import make_optimizer, training_step
from artcomp_gui.training.train import train_heads

STYLES = ("baroque", "impressionism")
PER_STYLE = 10


def brightness_target(path: Path) -> float:
    """A target any image has: mean grey level mapped to [-0.9, 0.9]."""
    grey = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
    return float(1.8 * grey.mean() / 255 - 0.9)


@pytest.fixture(scope="module")
def painting_folder(paintings_dir, tmp_path_factory) -> Path:
    """Link a few real paintings into style subfolders of a fresh folder."""
    folder = tmp_path_factory.mktemp("paintings")
    for style in STYLES:
        (folder / style).mkdir()
        for source in sorted((paintings_dir / style).glob("*.jpg"))[:PER_STYLE]:
            (folder / style / source.name).symlink_to(source)
    return folder


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feature-cache")


def write_config(path: Path, body: str, cache: Path) -> Path:
    header = f"""
name = "test model"
design = "taps+grid"
compare_designs = ["taps", "taps+grid"]
folds = 3
penalties = [0.1, 1.0]
batch_size = 8
num_workers = 0
cache = "{cache}"
"""
    path.write_text(header + body, "utf-8")
    return path


@pytest.fixture(scope="module")
def generic_model(painting_folder, cache_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generic")
    table = folder / "labels.csv"
    with open(table, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["path", "brightness", "score"])
        for image in sorted(painting_folder.rglob("*.jpg")):
            target = brightness_target(image)
            writer.writerow([str(image), f"{target:.4f}", f"{(target + 1) / 2:.4f}"])

    body = f"""
[labels]
format = "generic"
csv = "{table}"

[[attributes]]
name = "brightness"
label = "Brightness"
target = "csv"

[[attributes]]
name = "score"
label = "Score"
target = "csv"
low = 0.0
high = 1.0
activation = "sigmoid"
overall = true
"""
    config = read_config(write_config(folder / "config.toml", body, cache_dir))
    train_heads(config, folder / "model")
    return folder / "model"


def test_generic_csv_model_loads(generic_model):
    model = load_model(generic_model, device="cpu")
    assert model.attribute_names == ["brightness"]
    assert model.card.overall.name == "score"
    assert model.card.heads.sha256 == sha256_of(generic_model / "heads.safetensors")


def test_generic_csv_heads_learn_target(generic_model, painting_folder):
    model = load_model(generic_model, device="cpu")
    paths = sorted(painting_folder.rglob("*.jpg"))
    predictions = model.predict([Image.open(p).convert("RGB") for p in paths])
    predicted = np.array([p.scores["brightness"] for p in predictions])
    expected = np.array([brightness_target(p) for p in paths])
    assert np.corrcoef(predicted, expected)[0, 1] > 0.8
    assert all(0 <= p.overall <= 1 for p in predictions)


def test_card_records_both_designs(generic_model):
    card = json.loads((generic_model / "model_card.json").read_text())
    accuracy = card["attributes"][0]["accuracy"]
    assert set(accuracy["cv_spearman_by_design"]) == {"taps", "taps+grid"}
    assert card["design"] == "taps+grid"
    assert card["attributes"][0]["source"]["kind"] == "labels"
    assert "| Brightness |" in (generic_model / "evaluation.md").read_text()


def test_teacher_model_holds_out_paintings(painting_folder, cache_dir, tmp_path):
    body = """
[paintings]
images = "paintings"
trim_borders = true
holdout_fraction = 0.25

[[attributes]]
name = "vivid_color"
label = "Vivid Color"
target = "teacher"
reference = "Hasler and Süsstrunk 2003, colourfulness"
"""
    (tmp_path / "paintings").symlink_to(painting_folder)
    config = read_config(write_config(tmp_path / "config.toml", body, cache_dir))
    card = train_heads(config, tmp_path / "model")

    spec = card.attributes[0]
    held_out = (tmp_path / "model" / "holdout_images.txt").read_text().split()
    assert spec.source["kind"] == "teacher"
    assert "vivid_color" in card.training["teacher_calibration"]["quantiles"]
    assert 0 < len(held_out) < 2 * PER_STYLE
    assert "holdout_spearman" in spec.accuracy


def test_config_rejects_unknown_target(tmp_path):
    body = """
[[attributes]]
name = "x"
label = "X"
target = "guess"
"""
    with pytest.raises(ValueError, match="target 'guess'"):
        read_config(write_config(tmp_path / "config.toml", body, tmp_path))


def test_finetune_step_changes_weights(generic_model, painting_folder):
    model = load_model(generic_model, device="cpu")
    optimizer = make_optimizer(model, learning_rate=1e-4)
    before = model.backbone.layer4[2].conv3.weight.detach().clone()
    heads_before = model.heads.weight.detach().clone()

    image = (
        Image.open(sorted(painting_folder.rglob("*.jpg"))[0])
        .convert("RGB")
        .resize((96, 96))
    )
    batch = model.preprocess(image)[None]
    loss = training_step(model, optimizer, batch, torch.tensor([[0.5, 0.2]]))

    assert np.isfinite(loss)
    assert not torch.equal(before, model.backbone.layer4[2].conv3.weight)
    assert not torch.equal(heads_before, model.heads.weight)
    assert not model.backbone.bn1.training
