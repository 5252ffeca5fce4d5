"""Qt test setup: an offscreen display, a model folder with random heads, settings in tmp.

``QT_QPA_PLATFORM`` is set before anything imports Qt, so the tests run without a
display server.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from artcomp_gui.model import AttributeModel, ModelCard, load_model
from artcomp_gui.model.features import feature_dimension
from artcomp_gui.model.model_card import AttributeSpec, WeightFile
from artcomp_gui.model.weights import (
    MODEL_CARD_NAME,
    RESNET50_IMAGENET,
    bundled_weights_dir,
    sha256_of,
)

ATTRIBUTE_LABELS = (
    ("balancing_elements", "Balancing Elements"),
    ("color_harmony", "Color Harmony"),
    ("depth_of_field", "Depth of Field"),
    ("light", "Light"),
    ("object_emphasis", "Object Emphasis"),
    ("rule_of_thirds", "Rule of Thirds"),
    ("vivid_color", "Vivid Color"),
)
HEADS_FILE = "heads.safetensors"


def write_random_model(folder: Path, seed: int = 0, overall: bool = True) -> Path:
    """Write a model folder with the bundled backbone and random attribute heads.

    The heads are random, so the scores mean nothing. They exercise the whole pipeline
    (card, verified weights, maps) in tests only.
    """
    backbone = bundled_weights_dir() / RESNET50_IMAGENET.file
    if not backbone.is_file():
        pytest.skip(f"backbone weights not found at {backbone}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESNET50_IMAGENET.file).symlink_to(backbone)

    attributes = tuple(
        AttributeSpec(
            name=name,
            label=label,
            order=order,
            source={"kind": "test", "summary": "random weights, for tests only"},
            accuracy={"spearman": 0.5, "against": "nothing (random heads)"},
            description=f"{label} (test head)",
        )
        for order, (name, label) in enumerate(ATTRIBUTE_LABELS)
    )
    overall_spec = (
        AttributeSpec(
            name="overall",
            label="Overall",
            order=len(attributes),
            low=0.0,
            high=1.0,
            activation="sigmoid",
        )
        if overall
        else None
    )
    rows = len(attributes) + (1 if overall else 0)
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(rows, feature_dimension("taps"), generator=generator) * 0.5
    bias = torch.randn(rows, generator=generator) * 0.1
    save_file({"weight": weight.half(), "bias": bias.half()}, str(folder / HEADS_FILE))

    card = ModelCard(
        name="test model (random heads)",
        design="taps",
        attributes=attributes,
        overall=overall_spec,
        backbone=RESNET50_IMAGENET,
        heads=WeightFile(file=HEADS_FILE, sha256=sha256_of(folder / HEADS_FILE)),
    )
    card.save(folder / MODEL_CARD_NAME)
    return folder


@pytest.fixture(scope="session")
def random_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_random_model(tmp_path_factory.mktemp("random_model"))


@pytest.fixture(scope="session")
def random_model(random_model_dir: Path) -> AttributeModel:
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return load_model(random_model_dir, device="cpu")


@pytest.fixture(scope="session")
def scoring_model_dir(random_model_dir: Path) -> Path | None:
    """None (the bundled model) when its card is installed, else the random model."""
    if (bundled_weights_dir() / MODEL_CARD_NAME).is_file():
        return None
    return random_model_dir


@pytest.fixture(scope="session")
def scoring_model(scoring_model_dir: Path | None) -> AttributeModel:
    """The model of ``scoring_model_dir``, on the CPU.

    Tests that use it check that the window shows what the model computes, which
    holds for any heads.
    """
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return load_model(scoring_model_dir, device="cpu")


@pytest.fixture()
def settings(tmp_path: Path):
    from PySide6.QtCore import QSettings

    from artcomp_gui.ui.settings import AppSettings

    return AppSettings(
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    )


@pytest.fixture()
def make_window(qtbot, settings):
    """Return a factory of shown main windows; each is closed after the test.

    The factory takes the model to hand to the window (None: leave it unloaded) and
    keyword arguments for ``set_batch_options``.
    """
    from artcomp_gui.ui.main_window import MainWindow
    from artcomp_gui.ui.workers import InferenceController

    windows = []

    def make(model: AttributeModel | None, batch_size: int = 4, num_workers: int = 0):
        controller = InferenceController()
        controller.set_batch_options(batch_size, num_workers)
        window = MainWindow(settings, controller)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        if model is not None:
            controller.use_model(model)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture(scope="session")
def painting_paths(paintings_dir: Path) -> list[Path]:
    """Sixty paintings across the style folders, in a fixed order."""
    styles = sorted(path for path in paintings_dir.iterdir() if path.is_dir())
    paths: list[Path] = []
    for style in styles:
        paths += sorted(style.glob("*.jpg"))[:10]
    if len(paths) < 40:
        pytest.skip(f"fewer than 40 paintings found under {paintings_dir}")
    return paths
