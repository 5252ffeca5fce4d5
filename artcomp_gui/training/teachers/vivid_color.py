"""Vivid Color teacher: colourfulness M of Hasler and Süsstrunk (2003).

Source: D. Hasler and S. Süsstrunk, "Measuring colourfulness in natural images",
Proc. SPIE 5007, Human Vision and Electronic Imaging VIII, 2003, pp. 87-95
(metric M3, doi:10.1117/12.477378).

On gamma-encoded sRGB values R, G, B in [0, 255], per pixel::

    rg = R - G
    yb = (R + G) / 2 - B
    M = sqrt(sigma_rg^2 + sigma_yb^2) + 0.3 * sqrt(mu_rg^2 + mu_yb^2)

where sigma and mu are the standard deviation and mean over the pixels of the
analysis image. M is 0 for any grey image. Hasler and Süsstrunk's guide to the scale:
15 slightly, 33 moderately, 45 averagely, 59 quite, 82 highly, 109 extremely
colourful.
"""

from __future__ import annotations

import numpy as np

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image


def colorfulness(image: ImageInput) -> float:
    """Measure the Hasler-Süsstrunk colourfulness M of ``image``.

    Args:
        image: PIL image, H x W x 3 uint8 array or prepared ``AnalysisImage``,
            already trimmed of letterbox bars.

    Returns:
        M >= 0 on the 0-255 scale of the RGB values; higher is more colourful.
    """
    analysis = as_analysis_image(image)
    red, green, blue = analysis.red, analysis.green, analysis.blue
    red_green = red - green
    yellow_blue = (red + green) / 2 - blue
    spread = np.hypot(
        red_green.std(dtype=np.float64), yellow_blue.std(dtype=np.float64)
    )
    mean = np.hypot(
        red_green.mean(dtype=np.float64), yellow_blue.mean(dtype=np.float64)
    )
    return float(spread + 0.3 * mean)
