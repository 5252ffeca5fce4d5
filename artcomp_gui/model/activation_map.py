"""Attribute activation maps: an exact, signed decomposition of each head's score.

For a head with weights w and bias b on the pooled-tap vector p / ||p||, where p_k is the
global average of channel k, define on the last stage's grid

    M(y, x) = sum_k w_k A_k(y, x) / ||p||

with A_k the area-pooled feature map of channel k. Since area pooling keeps the mean,
mean(M) + b is the head's pre-activation. The grid branch decomposes the same way: a
cell's weights apply to the pixels of that cell, scaled by the grid's area over the
cell's area, so its mean over the whole grid is that cell's contribution.

Positive values mark regions that raise the attribute, negative values regions that
lower it. All heads' maps come from one forward pass, with no backward pass.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional

from artcomp_gui.model.features import TAPS_DIMENSION, Features, grid_cell_index


def compute_activation_maps(features: Features, weight: torch.Tensor) -> torch.Tensor:
    """Compute every head's activation map for a batch.

    Args:
        features: pooled features and their maps, from ``compute_features``.
        weight: A x D head weights.

    Returns:
        N x A x h x w signed maps whose spatial mean plus the head bias equals each
        head's pre-activation.
    """
    taps_weight = weight[:, :TAPS_DIMENSION]
    maps = torch.einsum("nchw,ac->nahw", features.stacked_taps, taps_weight)
    maps = maps / features.taps_norm[:, None, None, None]

    if features.grid_norm is None:
        return maps

    last = features.last_tap
    height, width = last.shape[-2:]
    cell_of_pixel = grid_cell_index(height, width).to(last.device)
    cell_area = torch.bincount(cell_of_pixel.flatten(), minlength=9).to(last.dtype)
    area_scale = (height * width) / cell_area

    grid_weight = weight[:, TAPS_DIMENSION:].reshape(weight.shape[0], 9, last.shape[1])
    grid_weight = grid_weight * area_scale[None, :, None]
    pixel_weight = grid_weight[:, cell_of_pixel]
    grid_maps = torch.einsum("nchw,ahwc->nahw", last, pixel_weight)
    return maps + grid_maps / features.grid_norm[:, None, None, None]


def upsample_maps(maps: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """Resize activation maps from the last-stage grid to the original image.

    The network input is the whole image resized, so grid cell (i, j) covers the same
    fraction of the image as of the input. Bilinear interpolation with half-pixel
    centres keeps each cell's value over its own block.

    Args:
        maps: A x h x w or h x w activation maps.
        image_size: (width, height) of the image to overlay.

    Returns:
        A x height x width (or height x width) float32 maps.
    """
    width, height = image_size
    tensor = torch.from_numpy(np.ascontiguousarray(maps, dtype=np.float32))
    squeeze = tensor.ndim == 2
    if squeeze:
        tensor = tensor[None]
    resized = functional.interpolate(
        tensor[None], size=(height, width), mode="bilinear", align_corners=False
    )[0]
    return resized[0].numpy() if squeeze else resized.numpy()
