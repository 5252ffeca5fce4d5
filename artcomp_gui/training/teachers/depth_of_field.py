"""Depth of Field teacher: low depth-of-field indicator of Datta et al. (2006).

Source: R. Datta, D. Joshi, J. Li and J. Z. Wang, "Studying aesthetics in
photographic images using a computational approach", ECCV 2006 (the low
depth-of-field indicators, one per HSV channel).

Datta et al. split the image into a 4 x 4 grid of equal blocks M1..M16 and, with w3
the level-3 high-frequency wavelet coefficients (LH, HL, HH) of one HSV channel,
take::

    f = sum_{(x, y) in M6 u M7 u M10 u M11} w3(x, y) / sum_{i=1..16} sum_{(x, y) in Mi} w3(x, y)

the share of high-frequency content in the four central blocks. A sharp subject in
the centre over a blurred background, as a wide aperture gives, pushes f up.

This module computes f once, on the Rec. 601 luma, with the absolute level-2 Haar
detail coefficients of the 256-px analysis image (``AnalysisImage.detail``), a 4-px
scale, in place of level-3 Daubechies coefficients on the full photograph, which are
an 8-px scale on a 512-px photograph. Block edges are at rounded quarters of the
detail map. An image with no detail at all returns 0.25, the share of the central
blocks in the area.
"""

from __future__ import annotations

import numpy as np

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image

GRID_SIZE = 4
"""Blocks per side of Datta et al.'s grid; the central 2 x 2 of them are the centre."""

FLAT_IMAGE_VALUE = 0.25
"""Value for an image without any detail: the central blocks' share of the area."""


def block_sums(values: np.ndarray, grid_size: int) -> np.ndarray:
    """Sum ``values`` (H x W) over a ``grid_size`` x ``grid_size`` grid of blocks.

    Block edges are at ``round(k * H / grid_size)`` and ``round(k * W / grid_size)``.

    Returns:
        grid_size x grid_size float64 array of block sums.
    """
    row_edges = np.round(np.linspace(0, values.shape[0], grid_size + 1)).astype(int)
    column_edges = np.round(np.linspace(0, values.shape[1], grid_size + 1)).astype(int)
    row_sums = np.add.reduceat(values.astype(np.float64), row_edges[:-1], axis=0)
    return np.add.reduceat(row_sums, column_edges[:-1], axis=1)


def low_depth_of_field_indicator(image: ImageInput) -> float:
    """Measure the share of fine detail that lies in the central blocks of ``image``.

    Args:
        image: PIL image, H x W x 3 uint8 array or prepared ``AnalysisImage``,
            already trimmed of letterbox bars.

    Returns:
        Share in [0, 1]; 0.25 when detail is spread evenly or absent, higher when the
        centre is sharper than the border, which suggests a shallow depth of field.
    """
    detail = as_analysis_image(image).detail
    sums = block_sums(detail, GRID_SIZE)
    total = sums.sum()
    if total <= 0.0:
        return FLAT_IMAGE_VALUE
    centre = sums[1:3, 1:3].sum()
    return float(centre / total)
