"""Balancing Elements teacher: deviation of the centre of visual mass from the centre.

Source: R. Hübner and M. G. Fillinger, "Comparison of objective measures for
predicting perceptual balance and visual aesthetic preference", Frontiers in
Psychology 7:335, 2016 (doi:10.3389/fpsyg.2016.00335). Their DCM measure is the
deviation of the centre of perceptual "mass" of a picture from its geometric centre.
On their black-on-white stimuli a pixel's mass is its darkness.

Paintings and photographs have no white ground, so here a pixel's visual weight is
its squared colour contrast with the image's mean colour::

    w(p) = || rgb(p) - mean_q rgb(q) ||^2      (gamma-encoded RGB on [0, 1])

For a black figure covering a share f of a white ground this gives the figure a
weight of 3 (1 - f)^2 per pixel and the ground 3 f^2, so a small dark figure carries
nearly all the mass, as darkness does in DCM; a light figure on a dark ground, or a
coloured one on a ground of equal luminance, weighs the same. With pixel centres at
(x + 0.5, y + 0.5) and the centroid c = sum_p w(p) p / sum_p w(p)::

    deviation = || c - (W / 2, H / 2) || / (sqrt(W^2 + H^2) / 2)

in [0, 1] (0 centred, 1 in a corner), and the teacher value is -deviation. An image
of one flat colour has no mass and counts as balanced (0).
"""

from __future__ import annotations

import numpy as np

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image


def visual_weight(image: ImageInput) -> np.ndarray:
    """Return each pixel's squared colour contrast with the mean colour (H x W)."""
    analysis = as_analysis_image(image)
    weight = np.zeros((analysis.height, analysis.width), dtype=np.float32)
    for plane in (analysis.red, analysis.green, analysis.blue):
        contrast = (plane - plane.mean()) / np.float32(255.0)
        weight += contrast * contrast
    return weight


def balance_deviation(image: ImageInput) -> float:
    """Measure how far the centre of visual mass of ``image`` lies from its centre.

    Args:
        image: PIL image, H x W x 3 uint8 array or prepared ``AnalysisImage``,
            already trimmed of letterbox bars.

    Returns:
        Distance of the weighted centroid from the image centre divided by half the
        diagonal, in [0, 1]; 0 for a flat image.
    """
    weight = visual_weight(image)
    height, width = weight.shape
    total = float(weight.sum(dtype=np.float64))
    if total <= 0.0:
        return 0.0
    column_mass = weight.sum(axis=0, dtype=np.float64)
    row_mass = weight.sum(axis=1, dtype=np.float64)
    centroid_x = float(column_mass @ (np.arange(width) + 0.5)) / total
    centroid_y = float(row_mass @ (np.arange(height) + 0.5)) / total
    offset = np.hypot(centroid_x - width / 2, centroid_y - height / 2)
    return float(offset / (np.hypot(width, height) / 2))


def balancing_elements(image: ImageInput) -> float:
    """Return the Balancing Elements teacher value, ``-balance_deviation(image)``.

    Returns:
        Value in [-1, 0]; higher is better balanced.
    """
    return -balance_deviation(image)
