"""Color Harmony teacher: best fit of Matsuda's hue templates (Cohen-Or et al. 2006).

Source: D. Cohen-Or, O. Sorkine, R. Gal, T. Leyvand and Y.-Q. Xu, "Color
Harmonization", ACM Transactions on Graphics 25(3) (Proc. SIGGRAPH 2006),
pp. 624-630, after the hue templates of Y. Matsuda (1995).

A template T_m is a set of sectors of the hue wheel. ``TEMPLATES`` lists each as
(centre offset, width) in degrees. The widths are 5 %, 22 %, 26 % and 50 % of the
wheel, the fractions that the open-source ColorHarmonization implementation of
Cohen-Or et al. (github.com/tartarskunk/ColorHarmonization) uses::

    i: (0, 18)                     V: (0, 93.6)
    L: (0, 18), (90, 79.2)         I: (0, 18), (180, 18)
    T: (0, 180)                    Y: (0, 93.6), (180, 18)
    X: (0, 93.6), (180, 93.6)

T_m(alpha) is the template rotated by alpha. The harmony distance of image X is::

    F(X, (m, alpha)) = sum_p || H(p) - E_{T_m(alpha)}(p) || * S(p)

with H(p) the hue of pixel p, E the hue of the nearest sector border (H(p) itself
inside a sector, so the term is 0 there), ||.|| the arc length on the hue wheel in
degrees, and S(p) the pixel's weight. This module:

* weights each pixel by its HSV chroma, max(R, G, B) - min(R, G, B) on [0, 1], that
  is HSV saturation times value. Plain HSV saturation is near 1 for noisy near-black
  pixels, whose hue is JPEG noise, and would let them dominate dark paintings;
* sums the weights into a 360-bin hue histogram (1-degree bins, measured at the bin
  centre) and evaluates all templates at all rotations alpha = 0, 1, ..., 359 degrees
  as one product with a precomputed table of bin-to-template distances;
* divides the best (lowest) F by the total weight, giving the weighted mean distance
  of the image's colour to the template in degrees (0 to 180), independent of image
  size;
* scales that distance by min(1, mean chroma / ``GREY_CHROMA``), so a nearly grey
  image tends to 0 like Matsuda's achromatic N type, instead of being judged on the
  hues of a few faintly tinted pixels.

The teacher value is the negative of the result: 0 for a perfect fit or a grey image,
more negative for hues that no template holds.
"""

from __future__ import annotations

import numpy as np

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image

TEMPLATES: dict[str, tuple[tuple[float, float], ...]] = {
    "i": ((0.0, 18.0),),
    "V": ((0.0, 93.6),),
    "L": ((0.0, 18.0), (90.0, 79.2)),
    "I": ((0.0, 18.0), (180.0, 18.0)),
    "T": ((0.0, 180.0),),
    "Y": ((0.0, 93.6), (180.0, 18.0)),
    "X": ((0.0, 93.6), (180.0, 93.6)),
}
"""Matsuda's hue templates as (sector centre offset, sector width) in degrees."""

HUE_BINS = 360
"""Bins of the hue histogram, one per degree; rotations use the same 1-degree step."""

GREY_CHROMA = 0.05
"""Mean chroma (0-1) below which the harmony distance is scaled down towards 0."""


def _arc_distance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return the arc length in degrees between hues (broadcast), in [0, 180]."""
    difference = np.abs(first - second) % 360.0
    return np.minimum(difference, 360.0 - difference)


def _template_distance_table() -> np.ndarray:
    """Tabulate each bin's distance to every rotated template.

    Returns:
        len(TEMPLATES) x HUE_BINS (rotation) x HUE_BINS (hue bin) float64 array of
        arc lengths in degrees from the bin centre to the nearest sector of the
        template, 0 inside a sector.
    """
    bin_centres = np.arange(HUE_BINS) + 0.5
    rotations = np.arange(HUE_BINS, dtype=np.float64)[:, None]
    table = np.empty((len(TEMPLATES), HUE_BINS, HUE_BINS))
    for index, sectors in enumerate(TEMPLATES.values()):
        nearest = np.full((HUE_BINS, HUE_BINS), np.inf)
        for offset, width in sectors:
            centre = rotations + offset
            outside = _arc_distance(bin_centres[None, :], centre) - width / 2
            nearest = np.minimum(nearest, np.maximum(outside, 0.0))
        table[index] = nearest
    return table


_DISTANCE_TABLE = _template_distance_table().reshape(-1, HUE_BINS).astype(np.float32)


def fit_hue_templates(
    hue_histogram: np.ndarray,
) -> tuple[str, float, float]:
    """Find the template and rotation with the lowest harmony distance.

    Args:
        hue_histogram: HUE_BINS weights, bin k covering hues [k, k + 1) degrees.

    Returns:
        (template name, rotation in degrees, distance F / total weight in degrees).
        An all-zero histogram gives ("i", 0.0, 0.0).
    """
    total = float(hue_histogram.sum())
    if total <= 0.0:
        return "i", 0.0, 0.0
    # einsum runs in numpy's own single-threaded loop. A matrix product goes to
    # multithreaded BLAS, which ran ten times slower on a busy 2-core machine.
    distances = np.einsum("ij,j->i", _DISTANCE_TABLE, hue_histogram.astype(np.float32))
    best = int(np.argmin(distances))
    template_index, rotation = divmod(best, HUE_BINS)
    name = list(TEMPLATES)[template_index]
    return name, float(rotation), float(distances[best]) / total


def hue_histogram(image: ImageInput) -> np.ndarray:
    """Return the chroma-weighted hue histogram of ``image`` (HUE_BINS float64)."""
    analysis = as_analysis_image(image)
    bins = np.minimum(analysis.hue.astype(np.int64), HUE_BINS - 1).ravel()
    return np.bincount(bins, weights=analysis.chroma.ravel(), minlength=HUE_BINS)


def color_harmony(image: ImageInput) -> float:
    """Measure how well the hues of ``image`` fit the best Matsuda template.

    Args:
        image: PIL image, H x W x 3 uint8 array or prepared ``AnalysisImage``,
            already trimmed of letterbox bars.

    Returns:
        Minus the chroma-weighted mean hue distance in degrees to the best rotated
        template, scaled down for nearly grey images. The value is in [-180, 0], and
        higher is more harmonious.
    """
    analysis = as_analysis_image(image)
    histogram = hue_histogram(analysis)
    _, _, distance = fit_hue_templates(histogram)
    mean_chroma = float(analysis.chroma.mean())
    greyness_scale = min(1.0, mean_chroma / GREY_CHROMA)
    return -distance * greyness_scale
