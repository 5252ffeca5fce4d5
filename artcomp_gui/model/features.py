"""Pooled feature vectors of the attribute network, and the maps they are pooled from.

Two designs exist. ``taps``: the sixteen bottleneck-block outputs, each global-average
pooled and concatenated (15,104 values), then L2-normalised per image. ``taps+grid``:
those, plus the last block's feature map average-pooled over a 3x3 grid of cells that
partition it (9 x 2,048 = 18,432 values), L2-normalised on its own. The grid keeps where
things are, which global pooling throws away.

Every tap is first area-pooled to the last stage's grid. Area pooling keeps each map's
mean, so the global average of the pooled map equals the global average of the tap, and
the same stacked maps give both the feature vector and the activation maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch.nn import functional

from artcomp_gui.model.backbone import TAP_CHANNELS

GRID_CELLS_PER_SIDE = 3
TAPS_DIMENSION = sum(TAP_CHANNELS)
GRID_DIMENSION = GRID_CELLS_PER_SIDE**2 * TAP_CHANNELS[-1]
NORM_EPSILON = 1e-12


def feature_dimension(design: str) -> int:
    """Return the length of the feature vector of a design."""
    return TAPS_DIMENSION + (GRID_DIMENSION if design == "taps+grid" else 0)


@lru_cache(maxsize=64)
def area_pooling_matrix(source: int, target: int) -> torch.Tensor:
    """Return the target x source matrix that area-pools one axis.

    Row i averages the source cells under target cell i, each weighted by its overlap,
    so rows sum to 1 and the mean over the axis is kept exactly, also when ``source``
    is not a multiple of ``target``.
    """
    # A cached tensor made under inference_mode could never enter a computation
    # that autograd records (fine-tuning), so it is always made outside it.
    with torch.inference_mode(False):
        edges_source = torch.arange(source + 1, dtype=torch.float64) / source
        edges_target = torch.arange(target + 1, dtype=torch.float64) / target
        low = torch.maximum(edges_target[:-1, None], edges_source[None, :-1])
        high = torch.minimum(edges_target[1:, None], edges_source[None, 1:])
        overlap = (high - low).clamp(min=0)
        return (overlap * target).to(torch.float32)


def grid_cell_bounds(
    size: int, cells: int = GRID_CELLS_PER_SIDE
) -> list[tuple[int, int]]:
    """Split ``size`` feature-map rows (or columns) into ``cells`` non-empty bands.

    The bands partition the axis without overlap: for a 7-cell map and 3 cells they are
    [0, 2), [2, 5), [5, 7).
    """
    if size < cells:
        raise ValueError(
            f"a feature map of {size} cells cannot be split into {cells} bands"
        )
    edges = [round(i * size / cells) for i in range(cells + 1)]
    return list(zip(edges[:-1], edges[1:]))


def grid_cell_index(height: int, width: int) -> torch.Tensor:
    """Return an h x w map holding, for each feature-map pixel, its grid cell 0 to 8."""
    rows = torch.empty(height, dtype=torch.long)
    for band, (start, stop) in enumerate(grid_cell_bounds(height)):
        rows[start:stop] = band
    columns = torch.empty(width, dtype=torch.long)
    for band, (start, stop) in enumerate(grid_cell_bounds(width)):
        columns[start:stop] = band
    return rows[:, None] * GRID_CELLS_PER_SIDE + columns[None, :]


def area_pool(tap: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Area-pool a feature map, N x C x H x W, to N x C x ``height`` x ``width``."""
    if tap.shape[-2:] == (height, width):
        return tap
    if tap.shape[-2] % height == 0 and tap.shape[-1] % width == 0:
        kernel = (tap.shape[-2] // height, tap.shape[-1] // width)
        return functional.avg_pool2d(tap, kernel)
    rows = area_pooling_matrix(tap.shape[-2], height).to(tap.device, tap.dtype)
    columns = area_pooling_matrix(tap.shape[-1], width).to(tap.device, tap.dtype)
    return rows @ tap @ columns.T


def stack_taps(taps: list[torch.Tensor]) -> torch.Tensor:
    """Area-pool every tap to the last tap's grid and stack them along channels.

    Args:
        taps: sixteen feature maps, N x C_k x H_k x W_k.

    Returns:
        N x 15104 x h x w, where h x w is the last tap's size, channels-last in memory
        (a view of an N x h x w x 15104 tensor). The activation maps are then one
        matrix product over the contiguous channels of each grid cell.
    """
    last = taps[-1]
    height, width = last.shape[-2:]
    channels = sum(tap.shape[1] for tap in taps)
    stacked = last.new_empty(last.shape[0], height, width, channels)
    start = 0
    for tap in taps:
        stop = start + tap.shape[1]
        stacked[..., start:stop] = area_pool(tap, height, width).permute(0, 2, 3, 1)
        start = stop
    return stacked.permute(0, 3, 1, 2)


@lru_cache(maxsize=64)
def grid_pooling_matrix(height: int, width: int) -> torch.Tensor:
    """Return the 9 x (height * width) matrix whose row c averages grid cell c.

    Columns follow the row-major order of the feature-map pixels.
    """
    # Made outside inference_mode, as in area_pooling_matrix.
    with torch.inference_mode(False):
        cells = grid_cell_index(height, width).flatten()
        matrix = torch.zeros(GRID_CELLS_PER_SIDE**2, height * width)
        matrix[cells, torch.arange(height * width)] = 1.0
        return matrix / matrix.sum(dim=1, keepdim=True)


def pool_grid(last_tap: torch.Tensor) -> torch.Tensor:
    """Average-pool the last tap over the 3x3 grid of cells.

    Args:
        last_tap: N x 2048 x h x w.

    Returns:
        N x 18432, cell-major: values 0 to 2047 are the top-left cell's channels.
    """
    count, channels, height, width = last_tap.shape
    # A view, with no copy, when the tap is channels-last as the backbone makes it.
    pixels = last_tap.permute(0, 2, 3, 1).reshape(count, height * width, channels)
    matrix = grid_pooling_matrix(height, width).to(last_tap.device, last_tap.dtype)
    return (matrix @ pixels).reshape(count, -1)


@dataclass
class Features:
    """Pooled features of a batch and the maps they come from.

    Attributes:
        stacked_taps: N x 15104 x h x w, every tap area-pooled to the last grid.
        last_tap: N x 2048 x h x w, the last block's feature map.
        taps_norm: N, L2 norm of the pooled-tap vector before normalisation.
        grid_norm: N, L2 norm of the grid vector, or None for the ``taps`` design.
        vector: N x D, the normalised feature vector the attribute heads read.
    """

    stacked_taps: torch.Tensor
    last_tap: torch.Tensor
    taps_norm: torch.Tensor
    grid_norm: torch.Tensor | None
    vector: torch.Tensor


def compute_features(taps: list[torch.Tensor], design: str) -> Features:
    """Pool, concatenate and L2-normalise the taps of a batch, per image.

    The norm is taken per image, never over the batch, so an image's score does not
    depend on the other images it is batched with.
    """
    stacked = stack_taps(taps)
    pooled_taps = stacked.mean(dim=(-2, -1))
    taps_norm = pooled_taps.norm(dim=1).clamp(min=NORM_EPSILON)
    parts = [pooled_taps / taps_norm[:, None]]

    grid_norm = None
    if design == "taps+grid":
        grid = pool_grid(taps[-1])
        grid_norm = grid.norm(dim=1).clamp(min=NORM_EPSILON)
        parts.append(grid / grid_norm[:, None])

    return Features(stacked, taps[-1], taps_norm, grid_norm, torch.cat(parts, dim=1))
