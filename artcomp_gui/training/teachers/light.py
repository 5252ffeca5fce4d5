"""Light teacher: subject-background lighting after Luo and Tang (2008), plus exposure.

Source: Y. Luo and X. Tang, "Photo and video quality evaluation: focusing on the
subject", ECCV 2008. Their lighting feature compares the average brightness B_s of
the subject region, found as the sharp (clear) region of the photo, with the average
brightness B_b of the background::

    f_l = | log(B_s / B_b) |

Here, on the Rec. 601 luma Y in [0, 1] of the analysis image:

* Subject region: the analysis image is split into an 8 x 8 grid of blocks, and a
  block belongs to the subject when its mean level-2 Haar detail magnitude
  (``AnalysisImage.detail``) is at least ``SUBJECT_DETAIL_SHARE`` of the sharpest
  block's. When that selects more than ``MAX_SUBJECT_SHARE`` of the blocks, so that
  no sharp region is distinct, or the image has no detail, the subject is the
  central 4 x 4 blocks, a quarter of the area.
* Lighting contrast: C = | ln((B_s + eps) / (B_b + eps)) | with eps = 0.01, which
  keeps a black region from making the ratio infinite.
* Tonal range: R = P95(Y) - P5(Y), the spread of the 5th to 95th percentile, in
  [0, 1], read off a 1024-bin histogram of Y.
* Clipping: K = share of pixels with Y <= 2/255 (crushed shadows) or Y >= 253/255
  (blown highlights), in [0, 1].

The teacher value is::

    light = C + R - 2 K

The weights are choices of this module, not Luo and Tang's. C and R have similar
spreads: on 400 trimmed WikiArt paintings their 5th to 95th percentiles were 0.02 to
0.68 and 0.31 to 0.84, and on 200 AVT photographs 0.03 to 0.91 and 0.20 to 0.90. K is
0 on most images, and its double weight makes a tenth of the image clipped cost as
much as a fifth of the tonal range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image
from artcomp_gui.training.teachers.depth_of_field import block_sums

SUBJECT_GRID_SIZE = 8
"""Blocks per side of the grid on which the subject region is chosen."""

SUBJECT_DETAIL_SHARE = 0.5
"""Share of the sharpest block's detail that a subject block must reach."""

MAX_SUBJECT_SHARE = 0.75
"""Share of blocks above which the sharp region is no subject and the centre is used."""

BRIGHTNESS_EPSILON = 0.01
"""Added to both mean lumas before their ratio is taken."""

LUMA_HISTOGRAM_BINS = 1024
"""Bins of the luma histogram that the tonal-range percentiles are read from."""

CLIP_LOW = 2 / 255
CLIP_HIGH = 253 / 255
CLIPPING_WEIGHT = 2.0


@dataclass(frozen=True)
class LightComponents:
    """Terms of the Light teacher for one image.

    Attributes:
        subject_brightness: mean luma B_s of the subject region, in [0, 1].
        background_brightness: mean luma B_b of the rest, in [0, 1].
        contrast: | ln((B_s + eps) / (B_b + eps)) | >= 0.
        tonal_range: P95 - P5 of the luma, in [0, 1].
        clipped_share: share of clipped pixels, in [0, 1].
        central_fallback: True when the subject is the central region because no
            sharp region stood out.
    """

    subject_brightness: float
    background_brightness: float
    contrast: float
    tonal_range: float
    clipped_share: float
    central_fallback: bool

    @property
    def value(self) -> float:
        """The teacher value C + R - 2 K."""
        return self.contrast + self.tonal_range - CLIPPING_WEIGHT * self.clipped_share


def _central_blocks(grid_size: int) -> np.ndarray:
    """Return a grid_size x grid_size mask of the central half of rows and columns."""
    mask = np.zeros((grid_size, grid_size), dtype=bool)
    quarter = grid_size // 4
    mask[quarter : grid_size - quarter, quarter : grid_size - quarter] = True
    return mask


def _block_areas(height: int, width: int, grid_size: int) -> np.ndarray:
    """Return the pixel count of each block of ``block_sums``'s grid (grid x grid)."""
    row_edges = np.round(np.linspace(0, height, grid_size + 1)).astype(int)
    column_edges = np.round(np.linspace(0, width, grid_size + 1)).astype(int)
    return np.outer(np.diff(row_edges), np.diff(column_edges))


def subject_blocks(image: ImageInput) -> tuple[np.ndarray, bool]:
    """Choose the subject blocks of ``image`` on the ``SUBJECT_GRID_SIZE`` grid.

    Returns:
        (SUBJECT_GRID_SIZE x SUBJECT_GRID_SIZE boolean mask, True when the central
        fallback was used).
    """
    detail = as_analysis_image(image).detail
    grid = SUBJECT_GRID_SIZE
    areas = _block_areas(detail.shape[0], detail.shape[1], grid)
    block_detail = block_sums(detail, grid) / np.maximum(areas, 1)
    sharpest = block_detail.max()
    if sharpest > 0.0:
        mask = block_detail >= SUBJECT_DETAIL_SHARE * sharpest
        if mask.mean() <= MAX_SUBJECT_SHARE:
            return mask, False
    return _central_blocks(grid), True


def luma_percentiles(luma: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """Read percentiles of ``luma`` (values in [0, 1]) off a fine histogram.

    Each percentile is the upper edge of the first of ``LUMA_HISTOGRAM_BINS`` bins
    whose cumulative count reaches it, so it is exact to within one bin width. The
    histogram costs several times less than sorting the pixels.

    Returns:
        One value in [0, 1] per entry of ``percents``.
    """
    bins = LUMA_HISTOGRAM_BINS
    indices = np.clip((luma * bins).astype(np.int64), 0, bins - 1).ravel()
    cumulative = np.cumsum(np.bincount(indices, minlength=bins))
    targets = np.asarray(percents) / 100.0 * cumulative[-1]
    return (np.searchsorted(cumulative, targets) + 1) / bins


def light_components(image: ImageInput) -> LightComponents:
    """Measure the terms of the Light teacher on ``image``.

    Args:
        image: PIL image, H x W x 3 uint8 array or prepared ``AnalysisImage``,
            already trimmed of letterbox bars.
    """
    analysis = as_analysis_image(image)
    luma = analysis.luma
    blocks, central_fallback = subject_blocks(analysis)
    grid = SUBJECT_GRID_SIZE
    luma_sums = block_sums(luma, grid)
    areas = _block_areas(analysis.height, analysis.width, grid)
    subject_brightness = float(luma_sums[blocks].sum() / areas[blocks].sum())
    background_area = areas[~blocks].sum()
    # The share cap and the central fallback always leave background blocks, but a
    # block may hold no pixels when the image is only a few pixels on a side.
    if background_area > 0:
        background_brightness = float(luma_sums[~blocks].sum() / background_area)
    else:
        background_brightness = subject_brightness
    contrast = abs(
        np.log(
            (subject_brightness + BRIGHTNESS_EPSILON)
            / (background_brightness + BRIGHTNESS_EPSILON)
        )
    )
    low, high = luma_percentiles(luma, (5.0, 95.0))
    clipped = np.count_nonzero((luma <= CLIP_LOW) | (luma >= CLIP_HIGH))
    return LightComponents(
        subject_brightness=subject_brightness,
        background_brightness=background_brightness,
        contrast=float(contrast),
        tonal_range=float(high - low),
        clipped_share=clipped / luma.size,
        central_fallback=central_fallback,
    )


def light(image: ImageInput) -> float:
    """Return the Light teacher value C + R - 2 K of ``image`` (see module docstring).

    Returns:
        Value in [-2, ln(101) + 1]; higher is better lit.
    """
    return light_components(image).value
