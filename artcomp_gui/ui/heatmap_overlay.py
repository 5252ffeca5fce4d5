"""Activation maps to coloured RGBA overlays, with a matplotlib colormap.

Signed maps use a diverging colormap centred on zero, with limits at plus and minus the
map's largest magnitude, so one colour means "raises the attribute" and the other
"lowers it". A sequential colormap spans the map's minimum to maximum instead. The
rendering is numpy only, so worker threads use it for export too. ``to_qimage`` is the
only Qt call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from PySide6.QtGui import QImage

from artcomp_gui.model import upsample_maps

DIVERGING_COLORMAPS = ("RdBu_r", "coolwarm", "PuOr_r", "PiYG", "BrBG", "seismic")
SEQUENTIAL_COLORMAPS = ("viridis", "magma", "inferno", "plasma", "cividis", "turbo")
DEFAULT_COLORMAP = "RdBu_r"
LUT_SIZE = 256

# Overlays are rendered with at most this many pixels on the long side and scaled up
# when drawn. The maps come from a grid of a few cells per side, so a larger overlay
# would add memory, not detail.
MAX_OVERLAY_SIDE = 1024

# Smallest colour-scale half-width, so an all-zero map does not divide by zero.
MIN_SCALE = 1e-6


def is_known_colormap(name: str) -> bool:
    return name in DIVERGING_COLORMAPS or name in SEQUENTIAL_COLORMAPS


def is_diverging(name: str) -> bool:
    return name in DIVERGING_COLORMAPS


@dataclass(frozen=True)
class ColorScale:
    """Mapping from map values to colormap positions.

    Attributes:
        colormap: matplotlib colormap name.
        low: value drawn with the colormap's first colour.
        high: value drawn with its last colour.
        centred: True when ``low == -high`` and zero is the colormap's middle.
    """

    colormap: str
    low: float
    high: float
    centred: bool

    def normalise(self, values: np.ndarray) -> np.ndarray:
        """Map values to [0, 1] colormap positions, clipped."""
        span = max(self.high - self.low, MIN_SCALE)
        return np.clip((values - self.low) / span, 0.0, 1.0)


def color_scale_for(activation_map: np.ndarray, colormap: str) -> ColorScale:
    """Choose the colour scale of one activation map.

    Args:
        activation_map: h x w signed map.
        colormap: a name from ``DIVERGING_COLORMAPS`` or ``SEQUENTIAL_COLORMAPS``.

    Raises:
        ValueError: if the colormap is not one of those.
    """
    if not is_known_colormap(colormap):
        raise ValueError(f"unknown colormap {colormap!r}")
    finite = activation_map[np.isfinite(activation_map)]
    if finite.size == 0:
        finite = np.zeros(1, dtype=np.float32)
    if is_diverging(colormap):
        limit = max(float(np.abs(finite).max()), MIN_SCALE)
        return ColorScale(colormap, -limit, limit, centred=True)
    low = float(finite.min())
    high = max(float(finite.max()), low + MIN_SCALE)
    return ColorScale(colormap, low, high, centred=False)


@lru_cache(maxsize=32)
def colormap_lut(name: str) -> np.ndarray:
    """Return the colormap as a LUT_SIZE x 4 uint8 RGBA table."""
    if not is_known_colormap(name):
        raise ValueError(f"unknown colormap {name!r}")
    table = colormaps[name](np.linspace(0.0, 1.0, LUT_SIZE))
    lut = np.round(table * 255).astype(np.uint8)
    lut.flags.writeable = False
    return lut


def overlay_size(
    image_size: tuple[int, int], max_side: int | None = MAX_OVERLAY_SIDE
) -> tuple[int, int]:
    """Return the (width, height) to render an overlay at, aspect ratio kept."""
    width, height = image_size
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_heatmap(
    activation_map: np.ndarray,
    size: tuple[int, int],
    scale: ColorScale,
    fade_near_zero: bool = False,
) -> np.ndarray:
    """Upsample an activation map and colour it.

    Args:
        activation_map: h x w map on the network's last-stage grid.
        size: (width, height) of the overlay, the image size or ``overlay_size`` of it.
        scale: the colour scale, from ``color_scale_for``.
        fade_near_zero: make alpha proportional to the distance from zero (for
            centred scales) or from ``scale.low`` (otherwise), so regions that do not
            move the attribute leave the image visible. Otherwise alpha is 255.

    Returns:
        height x width x 4 uint8 RGBA array, C-contiguous.
    """
    upsampled = upsample_maps(activation_map, size)
    position = scale.normalise(upsampled)
    indices = np.round(position * (LUT_SIZE - 1)).astype(np.intp)
    rgba = colormap_lut(scale.colormap)[indices]
    if fade_near_zero:
        if scale.centred:
            strength = np.abs(position - 0.5) * 2.0
        else:
            strength = position
        # Alpha grows linearly with strength. The colours near zero are close to white,
        # so a steeper ramp laid a pale veil over regions that barely move the score.
        rgba[..., 3] = np.round(strength * 255).astype(np.uint8)
    return np.ascontiguousarray(rgba)


def blend(
    image_rgb: np.ndarray, overlay_rgba: np.ndarray, opacity: float
) -> np.ndarray:
    """Composite an RGBA overlay onto an RGB image of the same size.

    Args:
        image_rgb: H x W x 3 uint8.
        overlay_rgba: H x W x 4 uint8, from ``render_heatmap``.
        opacity: 0 to 1, multiplied with the overlay's own alpha.

    Returns:
        H x W x 3 uint8.
    """
    if image_rgb.shape[:2] != overlay_rgba.shape[:2]:
        raise ValueError(
            f"image {image_rgb.shape[:2]} and overlay {overlay_rgba.shape[:2]} "
            "differ in size"
        )
    alpha = overlay_rgba[..., 3:4].astype(np.float32) * (opacity / 255.0)
    mixed = image_rgb.astype(np.float32) * (1.0 - alpha)
    mixed += overlay_rgba[..., :3].astype(np.float32) * alpha
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


def to_qimage(array: np.ndarray) -> QImage:
    """Copy an H x W x 3 (RGB) or H x W x 4 (RGBA) uint8 array into a QImage."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(
            f"expected an H x W x 3 or 4 uint8 array, got {array.shape} {array.dtype}"
        )
    array = np.ascontiguousarray(array)
    height, width, channels = array.shape
    image_format = (
        QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
    )
    # QImage does not own the numpy buffer, so copy() before the array goes away.
    image = QImage(array.data, width, height, width * channels, image_format)
    return image.copy()


def format_value(value: float) -> str:
    """Format a map value or score with three significant digits, as in the legend."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100 or magnitude < 0.01:
        return f"{value:.2e}"
    return f"{value:.3g}"
