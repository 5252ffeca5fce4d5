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

from artcomp_gui.model.features import (
    GRID_CELLS_PER_SIDE,
    TAPS_DIMENSION,
    Features,
    grid_cell_index,
)


def compute_activation_maps(features: Features, weight: torch.Tensor) -> torch.Tensor:
    """Compute every head's activation map for a batch.

    Args:
        features: pooled features and their maps, from ``compute_features``.
        weight: A x D head weights.

    Returns:
        N x A x h x w signed maps whose spatial mean plus the head bias equals each
        head's pre-activation.
    """
    # N x h x w x C views, with no copy for channels-last maps, so each head's map is
    # one matrix product over the channels of every pixel.
    stacked = features.stacked_taps.permute(0, 2, 3, 1)
    maps = stacked @ weight[:, :TAPS_DIMENSION].T
    maps = maps / features.taps_norm[:, None, None, None]

    if features.grid_norm is not None:
        grid_maps = grid_activation_maps(features.last_tap, weight[:, TAPS_DIMENSION:])
        maps = maps + grid_maps / features.grid_norm[:, None, None, None]
    return maps.permute(0, 3, 1, 2).contiguous()


def grid_activation_maps(
    last_tap: torch.Tensor, grid_weight: torch.Tensor
) -> torch.Tensor:
    """Decompose the grid branch of every head over the pixels of the last tap.

    Args:
        last_tap: N x C x h x w, the last block's feature map.
        grid_weight: A x (9 * C) head weights on the cell-major grid vector.

    Returns:
        N x h x w x A maps, before division by the grid vector's norm. Each pixel
        gets its own cell's weights, scaled by the grid's area over the cell's area.
    """
    count, channels, height, width = last_tap.shape
    heads = grid_weight.shape[0]
    cells = GRID_CELLS_PER_SIDE**2
    cell_of_pixel = grid_cell_index(height, width).to(last_tap.device).flatten()
    cell_area = torch.bincount(cell_of_pixel, minlength=cells).to(last_tap.dtype)
    area_scale = (height * width) / cell_area

    # Project every pixel on the weights of all nine cells in one matrix product,
    # then keep the pixel's own cell. This reads the weights once instead of
    # copying a weight vector per pixel.
    pixels = last_tap.permute(0, 2, 3, 1).reshape(count, height * width, channels)
    per_cell = grid_weight.reshape(heads * cells, channels)
    projected = (pixels @ per_cell.T).reshape(count, height * width, heads, cells)
    index = cell_of_pixel[None, :, None, None].expand(count, -1, heads, 1)
    own_cell = projected.gather(3, index).squeeze(3)
    own_cell = own_cell * area_scale[cell_of_pixel][None, :, None]
    return own_cell.reshape(count, height, width, heads)


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
