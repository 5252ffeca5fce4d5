"""Tests for artcomp_gui.scoring: one result per input, same-shape batches, stopping."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from artcomp_gui.image_loader import display_path, load_image
from artcomp_gui.model.attribute_head import AttributeHeads
from artcomp_gui.model.attribute_model import AttributeModel, Prediction
from artcomp_gui.model.backbone import build_resnet50_v1
from artcomp_gui.model.features import feature_dimension
from artcomp_gui.model.model_card import AttributeSpec, ModelCard, WeightFile
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import (
    MODEL_CARD_NAME,
    RESNET50_IMAGENET,
    bundled_weights_dir,
    load_verified,
)
from artcomp_gui.scoring import (
    ScoredImage,
    default_num_workers,
    iter_scores,
    score_paths,
)
from test_image_loader import write_samples

ATTRIBUTE_NAMES = [
    "balancing_elements",
    "color_harmony",
    "depth_of_field",
    "light",
    "object_emphasis",
    "rule_of_thirds",
    "vivid_color",
]
# 128 x 128 keeps the ResNet-50 runs short on a CPU.
TEST_PIXEL_BUDGET = 128 * 128


@pytest.fixture(scope="module")
def network() -> AttributeModel:
    """The real attribute network: bundled ResNet-50 weights, seeded random heads.

    The pipeline needs the real backbone, preprocessing and activation maps, not
    trained heads, so the scores here are meaningless but computed the real way.
    """
    specs = tuple(
        AttributeSpec(name=name, label=name.replace("_", " ").title(), order=order)
        for order, name in enumerate(ATTRIBUTE_NAMES)
    )
    card = ModelCard(
        name="random heads",
        design="taps",
        attributes=specs,
        backbone=RESNET50_IMAGENET,
        heads=WeightFile(file="random heads, not a file", sha256="0" * 64),
        pixel_budget=TEST_PIXEL_BUDGET,
    )
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(len(specs), feature_dimension("taps"), generator=generator)
    heads = AttributeHeads(weight, torch.zeros(len(specs)), card.head_specs)
    backbone = build_resnet50_v1()
    state = load_verified(bundled_weights_dir(), RESNET50_IMAGENET)
    missing, unexpected = backbone.load_state_dict(state, strict=False)
    assert all(name.endswith("num_batches_tracked") for name in missing)
    assert not unexpected
    return AttributeModel(backbone, heads, card).eval()


class RecordingModel:
    """A stand-in with the model's batch interface that records each batch shape.

    Used where only the grouping, ordering and stopping logic is under test, so that
    those tests do not run ResNet-50.
    """

    attribute_names = ["light", "vivid_color"]
    device = torch.device("cpu")

    def __init__(self, events: list[str] | None = None) -> None:
        self.preprocess = Preprocessor(64 * 64)
        self.batch_shapes: list[tuple[int, ...]] = []
        self.events = events if events is not None else []

    def predict_batch(self, batch: torch.Tensor) -> list[Prediction]:
        self.batch_shapes.append(tuple(batch.shape))
        self.events.append(f"batch of {batch.shape[0]}")
        height, width = batch.shape[-2] // 32, batch.shape[-1] // 32
        return [
            Prediction(
                scores={"light": float(image.mean()), "vivid_color": 0.0},
                maps=np.zeros((2, height, width), dtype=np.float32),
                overall=None,
                overall_map=None,
                input_size=(batch.shape[-1], batch.shape[-2]),
            )
            for image in batch
        ]


class LoggingPreprocessor:
    """Records each image it preprocesses; used with num_workers=0 only."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.inner = Preprocessor(64 * 64)

    def __call__(self, image: Image.Image) -> torch.Tensor:
        self.events.append(f"image {image.size}")
        return self.inner(image)


def _write_images(folder: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, size in enumerate(sizes):
        path = folder / f"image_{number:03d}.png"
        Image.new("RGB", size, (number * 10 % 256, 80, 160)).save(path)
        paths.append(path)
    return paths


def _collect(model: object, paths: list[Path], **options: object) -> list[ScoredImage]:
    results: list[ScoredImage] = []
    score_paths(model, paths, on_result=results.append, **options)
    return results


def test_batch_samples_one_result_each(
    network: AttributeModel, tmp_path: Path, paintings_dir: Path
) -> None:
    samples = write_samples(tmp_path / "samples")
    paintings = sorted((paintings_dir / "baroque").glob("*.jpg"))[:2]
    paths = [sample.path for sample in samples.values()] + paintings

    results = _collect(network, paths, batch_size=4, num_workers=2)

    assert len(results) == len(paths)
    assert sorted(result.index for result in results) == list(range(len(paths)))
    by_path = {result.path: result for result in results}
    assert set(by_path) == set(paths)

    for sample in samples.values():
        result = by_path[sample.path]
        if sample.error is not None:
            assert result.scores is None, sample.path
            assert result.error.startswith(display_path(sample.path) + ": ")
            assert sample.error in result.error
        else:
            assert result.error is None, result.error
            assert result.image_size == sample.size
            assert list(result.scores) == ATTRIBUTE_NAMES

    for painting in paintings:
        result = by_path[painting]
        assert result.ok
        assert result.image_size == (224, 224)
        assert result.maps.shape == (len(ATTRIBUTE_NAMES), 4, 4)
        assert np.isfinite(result.maps).all()
        assert all(-1.0 <= score <= 1.0 for score in result.scores.values())


def test_batch_matches_single_predict(
    network: AttributeModel, paintings_dir: Path
) -> None:
    paintings = sorted((paintings_dir / "symbolism").glob("*.jpg"))[:2]
    results = _collect(network, paintings, num_workers=0)
    results.sort(key=lambda result: result.index)
    direct = network.predict([load_image(path) for path in paintings])
    for result, prediction in zip(results, direct):
        for name in ATTRIBUTE_NAMES:
            expected = prediction.scores[name]
            assert result.scores[name] == pytest.approx(expected, abs=1e-5)


def test_batches_group_equal_shapes(tmp_path: Path) -> None:
    sizes = [(64, 64)] * 10 + [(128, 64)] * 5 + [(64, 128)] * 3
    paths = _write_images(tmp_path, sizes)
    model = RecordingModel()

    results = _collect(model, paths, batch_size=4, num_workers=0)

    assert len(results) == len(paths)
    square = [shape[0] for shape in model.batch_shapes if shape[2] == shape[3]]
    wide = [shape[0] for shape in model.batch_shapes if shape[2] < shape[3]]
    tall = [shape[0] for shape in model.batch_shapes if shape[2] > shape[3]]
    assert square == [4, 4, 2]
    assert sum(wide) == 5
    assert sum(tall) == 3
    assert all(shape[0] <= 4 for shape in model.batch_shapes)


def test_max_pending_scores_early(tmp_path: Path) -> None:
    # Six different aspect ratios never fill a batch of 8, so without a limit on
    # waiting images nothing would be scored until every image was decoded.
    sizes = [(64 + 32 * step, 64) for step in range(6)]
    paths = _write_images(tmp_path, sizes)
    events: list[str] = []
    model = RecordingModel(events)

    results = list(
        iter_scores(
            model,
            paths,
            batch_size=8,
            num_workers=0,
            max_pending=2,
            preprocess=LoggingPreprocessor(events),
        )
    )

    assert len(results) == 6
    first_batch = events.index("batch of 1")
    last_image = max(i for i, event in enumerate(events) if event.startswith("image"))
    assert first_batch < last_image


def test_order_by_index_restores_input(tmp_path: Path) -> None:
    sizes = [(64, 64), (128, 64), (64, 64), (64, 128), (64, 64)]
    paths = _write_images(tmp_path, sizes)
    paths.insert(2, tmp_path / "missing.png")

    results = _collect(RecordingModel(), paths, batch_size=2, num_workers=0)

    ordered = sorted(results, key=lambda result: result.index)
    assert [result.path for result in ordered] == paths
    assert results[0].path == tmp_path / "missing.png"


@pytest.mark.parametrize("num_workers", [0, 2])
def test_should_stop_keeps_delivered(tmp_path: Path, num_workers: int) -> None:
    paths = _write_images(tmp_path, [(64, 64)] * 40)
    delivered: list[ScoredImage] = []

    summary = score_paths(
        RecordingModel(),
        paths,
        on_result=delivered.append,
        batch_size=2,
        num_workers=num_workers,
        should_stop=lambda: len(delivered) >= 4,
    )

    assert len(delivered) == 4
    assert summary.stopped
    assert summary.scored == 4
    assert summary.total == 40
    assert multiprocessing.active_children() == []


def test_summary_counts_failures(tmp_path: Path) -> None:
    paths = _write_images(tmp_path, [(64, 64)] * 3) + [tmp_path / "missing.png"]

    summary = score_paths(RecordingModel(), paths, on_result=lambda result: None)

    assert summary.total == 4
    assert summary.scored == 3
    assert summary.failed == 1
    assert not summary.stopped


class FailingPreprocessor:
    """Raises for images wider than tall; used with num_workers=0 only."""

    def __init__(self) -> None:
        self.inner = Preprocessor(64 * 64)

    def __call__(self, image: Image.Image) -> torch.Tensor:
        if image.width > image.height:
            raise RuntimeError("resize failed")
        return self.inner(image)


def test_preprocess_failure_continues(tmp_path: Path) -> None:
    paths = _write_images(tmp_path, [(64, 64), (128, 64), (64, 64)])

    results = _collect(
        RecordingModel(), paths, num_workers=0, preprocess=FailingPreprocessor()
    )

    failed = [result for result in results if not result.ok]
    assert len(results) == 3
    assert [result.path for result in failed] == [paths[1]]
    assert "preprocessing failed (RuntimeError: resize failed)" in failed[0].error
    assert failed[0].image_size == (128, 64)


def test_empty_input() -> None:
    assert list(iter_scores(RecordingModel(), [])) == []


def test_invalid_batch_size() -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, not 0"):
        list(iter_scores(RecordingModel(), ["a.png"], batch_size=0))


def test_default_num_workers_range() -> None:
    assert 1 <= default_num_workers() <= 4


@pytest.mark.skipif(
    not (bundled_weights_dir() / MODEL_CARD_NAME).is_file(),
    reason="no bundled model card in model_weights yet",
)
def test_bundled_model_scores_paintings(paintings_dir: Path) -> None:
    from artcomp_gui.model import load_model

    model = load_model(device="cpu")
    paintings = sorted((paintings_dir / "impressionism").glob("*.jpg"))[:3]

    results = _collect(model, paintings, num_workers=1)

    assert len(results) == 3
    for result in results:
        assert result.ok, result.error
        assert list(result.scores) == model.attribute_names
        for spec in model.card.attributes:
            assert spec.low <= result.scores[spec.name] <= spec.high
