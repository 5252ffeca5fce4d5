"""Activation maps decompose each head's pre-activation exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artcomp_gui.model.activation_map import compute_activation_maps, upsample_maps
from artcomp_gui.model.attribute_head import AttributeHeads
from artcomp_gui.model.backbone import TAP_CHANNELS
from artcomp_gui.model.features import (
    GRID_DIMENSION,
    TAPS_DIMENSION,
    area_pooling_matrix,
    compute_features,
    feature_dimension,
    grid_cell_bounds,
    grid_cell_index,
    grid_pooling_matrix,
)
from artcomp_gui.model.model_card import AttributeSpec


def random_taps(
    height: int, width: int, batch: int = 2, seed: int = 0
) -> list[torch.Tensor]:
    """Make ReLU-like taps with the strides of ResNet-50 v1 for an H x W input."""
    generator = torch.Generator().manual_seed(seed)
    sizes = []
    for stride, count in ((4, 3), (8, 4), (16, 6), (32, 3)):
        sizes += [(-(-height // stride), -(-width // stride))] * count
    return [
        torch.rand(batch, channels, h, w, generator=generator) ** 2
        for channels, (h, w) in zip(TAP_CHANNELS, sizes)
    ]


def random_heads(design: str, count: int = 7, seed: int = 1) -> AttributeHeads:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(count, feature_dimension(design), generator=generator)
    bias = torch.randn(count, generator=generator)
    specs = tuple(
        AttributeSpec(name=f"a{i}", label=f"A{i}", order=i) for i in range(count)
    )
    return AttributeHeads(weight, bias, specs)


@pytest.mark.parametrize("design", ["taps", "taps+grid"])
@pytest.mark.parametrize("size", [(224, 224), (160, 288), (352, 96), (250, 150)])
def test_map_mean_equals_pre_activation(design, size):
    taps = random_taps(*size)
    heads = random_heads(design)
    features = compute_features(taps, design)

    pre_activation = heads(features.vector)
    maps = compute_activation_maps(features, heads.weight)
    reconstructed = maps.mean(dim=(-2, -1)) + heads.bias

    assert maps.shape[-2:] == taps[-1].shape[-2:]
    torch.testing.assert_close(reconstructed, pre_activation, atol=1e-4, rtol=0)


def test_maps_are_signed():
    features = compute_features(random_taps(224, 224), "taps+grid")
    maps = compute_activation_maps(features, random_heads("taps+grid").weight)
    assert (maps > 0).any()
    assert (maps < 0).any()


def test_feature_vector_sizes():
    taps = random_taps(224, 224)
    assert compute_features(taps, "taps").vector.shape == (2, 15104)
    assert compute_features(taps, "taps+grid").vector.shape == (2, 15104 + 18432)
    assert TAPS_DIMENSION == 15104
    assert GRID_DIMENSION == 18432


def test_features_normalised_per_image():
    taps = random_taps(224, 224, batch=3)
    features = compute_features(taps, "taps+grid")
    taps_part = features.vector[:, :TAPS_DIMENSION]
    grid_part = features.vector[:, TAPS_DIMENSION:]
    torch.testing.assert_close(taps_part.norm(dim=1), torch.ones(3))
    torch.testing.assert_close(grid_part.norm(dim=1), torch.ones(3))

    alone = compute_features([tap[:1] for tap in taps], "taps+grid")
    torch.testing.assert_close(alone.vector[0], features.vector[0])


def test_area_pooling_keeps_mean():
    values = torch.rand(5, 38)
    pooled = values @ area_pooling_matrix(38, 5).T
    torch.testing.assert_close(pooled.mean(dim=1), values.mean(dim=1))
    torch.testing.assert_close(area_pooling_matrix(38, 5).sum(dim=1), torch.ones(5))


@pytest.mark.parametrize("size", [3, 4, 5, 7, 8, 10, 11])
def test_grid_cells_partition(size):
    bounds = grid_cell_bounds(size)
    assert bounds[0][0] == 0
    assert bounds[-1][1] == size
    for (_, stop), (start, _) in zip(bounds, bounds[1:]):
        assert stop == start
    assert all(stop > start for start, stop in bounds)
    index = grid_cell_index(size, size + 1)
    assert sorted(index.unique().tolist()) == list(range(9))


def test_grid_rejects_small_map():
    with pytest.raises(ValueError, match="cannot be split"):
        grid_cell_bounds(2)


def test_upsample_keeps_layout():
    maps = np.zeros((2, 3, 5), dtype=np.float32)
    maps[0, 0, 0] = 1.0
    maps[1, 2, 4] = -1.0
    upsampled = upsample_maps(maps, (500, 300))
    assert upsampled.shape == (2, 300, 500)
    assert upsampled[0, :100, :100].mean() > 0.5
    assert upsampled[0, 200:, 400:].max() == 0
    assert upsampled[1, 200:, 400:].mean() < -0.5


@pytest.mark.parametrize("size", [(224, 224), (250, 150)])
def test_cached_matrices_allow_autograd(size):
    # The pooling matrices are cached, and the first call may come from scoring
    # under inference_mode. Fine-tuning then needs them in a recorded graph.
    area_pooling_matrix.cache_clear()
    grid_pooling_matrix.cache_clear()
    with torch.inference_mode():
        compute_features(random_taps(*size), "taps+grid")

    taps = [tap.requires_grad_() for tap in random_taps(*size)]
    vector = compute_features(taps, "taps+grid").vector
    vector.sum().backward()

    assert taps[0].grad is not None
    assert taps[-1].grad is not None
