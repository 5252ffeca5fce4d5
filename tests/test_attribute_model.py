"""The attribute network on real paintings: exact maps, batch independence, input policy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from artcomp_gui.model.attribute_head import AttributeHeads
from artcomp_gui.model.attribute_model import AttributeModel, load_backbone
from artcomp_gui.model.device import select_device
from artcomp_gui.model.features import feature_dimension
from artcomp_gui.model.model_card import AttributeSpec, ModelCard, WeightFile
from artcomp_gui.model.preprocess import MIN_SIDE, NETWORK_STRIDE, input_size_for
from artcomp_gui.model.weights import RESNET50_IMAGENET, bundled_weights_dir


@pytest.fixture(scope="module")
def backbone():
    return load_backbone(bundled_weights_dir(), RESNET50_IMAGENET).eval()


def make_model(backbone, design: str, flip_average: bool = False) -> AttributeModel:
    """Wrap the real backbone with seeded test heads; these scores mean nothing."""
    generator = torch.Generator().manual_seed(7)
    specs = tuple(AttributeSpec(name=f"a{i}", label=f"A{i}", order=i) for i in range(3))
    overall = AttributeSpec(
        name="score", label="Score", order=3, low=0.0, high=1.0, activation="sigmoid"
    )
    weight = torch.randn(4, feature_dimension(design), generator=generator) * 5
    heads = AttributeHeads(
        weight, torch.randn(4, generator=generator), specs + (overall,)
    )
    card = ModelCard(
        name="test",
        design=design,
        attributes=specs,
        overall=overall,
        backbone=RESNET50_IMAGENET,
        heads=WeightFile("heads.safetensors", "0" * 64),
    )
    return AttributeModel(backbone, heads, card, flip_average)


def painting(paintings_dir, index: int = 0) -> Image.Image:
    path = sorted((paintings_dir / "baroque").glob("*.jpg"))[index]
    return Image.open(path).convert("RGB")


@pytest.mark.parametrize("design", ["taps", "taps+grid"])
@pytest.mark.parametrize("crop", [None, (0, 30, 224, 190), (40, 0, 150, 224)])
def test_maps_sum_to_pre_activation(backbone, paintings_dir, design, crop):
    model = make_model(backbone, design)
    image = painting(paintings_dir)
    if crop:
        image = image.crop(crop)
    batch = model.preprocess(image)[None]

    with torch.inference_mode():
        pre_activation, maps = model(batch)
    reconstructed = maps.mean(dim=(-2, -1)) + model.heads.bias

    assert maps.shape[-2:] == (batch.shape[-2] // 32, batch.shape[-1] // 32)
    torch.testing.assert_close(reconstructed, pre_activation, atol=1e-4, rtol=0)


def test_score_independent_of_batch(backbone, paintings_dir):
    model = make_model(backbone, "taps+grid")
    images = [painting(paintings_dir, i) for i in range(3)]
    together = model.predict(images)
    alone = model.predict(images[:1])
    for name in model.attribute_names:
        assert together[0].scores[name] == pytest.approx(
            alone[0].scores[name], abs=1e-4
        )


def test_outputs_within_card_ranges(backbone, paintings_dir):
    model = make_model(backbone, "taps+grid")
    prediction = model.predict([painting(paintings_dir)])[0]
    assert all(-1 <= value <= 1 for value in prediction.scores.values())
    assert 0 <= prediction.overall <= 1
    assert prediction.maps.shape[0] == 3
    assert prediction.overall_map.shape == prediction.maps.shape[1:]


def test_mixed_sizes_keep_input_order(backbone, paintings_dir):
    model = make_model(backbone, "taps")
    wide = painting(paintings_dir).crop((0, 50, 224, 170))
    square = painting(paintings_dir, 1)
    mixed = model.predict([wide, square, wide])
    assert mixed[0].input_size == mixed[2].input_size
    assert mixed[0].input_size != mixed[1].input_size
    assert mixed[0].scores == pytest.approx(mixed[2].scores, abs=1e-5)


@pytest.mark.parametrize(
    ("size", "budget"),
    [
        ((224, 224), 224 * 224),
        ((4000, 3000), 224 * 224),
        ((300, 1200), 224 * 224),
        ((50, 2000), 224 * 224),
        ((640, 480), 448 * 448),
    ],
)
def test_input_keeps_whole_frame(size, budget):
    width, height = input_size_for(*size, budget)
    assert width % NETWORK_STRIDE == 0
    assert height % NETWORK_STRIDE == 0
    assert min(width, height) >= MIN_SIDE
    if min(width, height) > MIN_SIDE:
        assert abs(width * height - budget) / budget < 0.3
        assert abs((width / height) / (size[0] / size[1]) - 1) < 0.2


def test_preprocess_never_crops(backbone):
    model = make_model(backbone, "taps")
    image = Image.new("RGB", (400, 100), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 20, 100))
    tensor = model.preprocess(image)
    assert tensor.shape[1] == MIN_SIDE
    assert tensor[:, :, 0].mean() > 1.5


def test_device_override():
    assert select_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device"):
        select_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            select_device("cuda")


def test_describe_lists_taps(backbone):
    description = make_model(backbone, "taps+grid").describe()
    assert len(description["tapped_layers"]) == 16
    assert description["tapped_layers"][0] == "layer1.0"
    assert description["feature_dimension"] == 15104 + 18432
    assert description["backbone_sha256"] == RESNET50_IMAGENET.sha256


def test_flip_average_ignores_mirroring(backbone, paintings_dir):
    model = make_model(backbone, "taps+grid", flip_average=True)
    image = painting(paintings_dir).crop((0, 20, 224, 200))
    mirrored = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    first, second = model.predict([image, mirrored])
    for name in model.attribute_names:
        assert first.scores[name] == pytest.approx(second.scores[name], abs=1e-4)
    np.testing.assert_allclose(first.maps, second.maps[:, :, ::-1], atol=1e-4)


def test_flip_average_keeps_identity(backbone, paintings_dir):
    model = make_model(backbone, "taps+grid", flip_average=True)
    batch = model.preprocess(painting(paintings_dir).crop((0, 0, 200, 224)))[None]
    with torch.inference_mode():
        pre_activation, maps = model(batch)
    reconstructed = maps.mean(dim=(-2, -1)) + model.heads.bias
    torch.testing.assert_close(reconstructed, pre_activation, atol=1e-4, rtol=0)
