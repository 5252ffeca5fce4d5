"""Detection and removal of uniform borders such as letterbox bars.

Collections like WikiArt at 224x224 scale each painting to fit the square and pad the
rest with black bars. The bars belong to the file, not to the painting, so they are
trimmed before a teacher measures the image or a head is trained on it.

Each side is scanned inwards from its outermost line (row or column). The border
colour of a side is the per-channel median of that outermost line. A line counts as
border when, measuring each pixel's deviation as its largest per-channel difference
from the border colour:

* at least ``MIN_UNIFORM_SHARE`` of its pixels deviate by at most ``tolerance``, which
  lets JPEG ringing and chroma noise next to the painting through, and
* its median deviation is at most ``MEDIAN_TOLERANCE``, which stops the scan at dark,
  flat passages of a painting whose pixels differ from a black bar by only a few
  levels. After the first line that fails this median test, up to ``RINGING_LINES``
  more lines may follow that pass the first test alone, because JPEG ringing raises
  the median inside the bar's last coding block.

Letterbox bars come in pairs of one colour on opposite sides. A border is trimmed in
full only when the opposite side has a border whose median colour differs by at most
``PAIR_COLOUR_TOLERANCE`` per channel. Any other border is trimmed by at most
``ONE_SIDED_FRACTION`` of the axis, and at least 2 pixels, which covers the one-pixel
lines that resizing leaves. On the 224x224 WikiArt files, unpaired borders are mostly
dark, flat passages of the painting next to a single bar or none.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
from PIL import Image

logger = logging.getLogger(__name__)

DEFAULT_TOLERANCE = 24
"""Maximum per-channel difference (0-255) from the border colour inside a bar."""

DEFAULT_MAX_FRACTION = 0.8
"""Maximum share of the width, or of the height, that trimming may remove."""

MIN_UNIFORM_SHARE = 0.95
"""Minimum share of a border line's pixels that lie within the tolerance."""

MEDIAN_TOLERANCE = 4
"""Maximum median per-channel difference (0-255) of a border line."""

PAIR_COLOUR_TOLERANCE = 8
"""Maximum per-channel difference (0-255) between the colours of paired borders."""

ONE_SIDED_FRACTION = 0.01
"""Maximum share of an axis trimmed from a border that has no matching pair."""

RINGING_LINES = 8
"""Maximum number of lines after the flat part of a border that may fail the median
test, for the JPEG ringing inside the last 8x8 coding block of a bar."""

_ONE_SIDED_MIN_PIXELS = 2


def _as_rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """Return ``image`` as an H x W x 3 uint8 array."""
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(
            f"expected an H x W, H x W x 3 or H x W x 4 image array, got shape "
            f"{array.shape}"
        )
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image array, got dtype {array.dtype}")
    return array[:, :, :3]


def _leading_true(mask: np.ndarray) -> int:
    """Return the number of leading True values in the 1-D boolean ``mask``."""
    if mask.all():
        return len(mask)
    return int(np.argmin(mask))


class _Border(NamedTuple):
    """Border found on one side: its width in lines and its median colour."""

    width: int
    colour: np.ndarray


def _find_border(lines: np.ndarray, tolerance: int) -> _Border:
    """Find the border at the start of ``lines`` (N x L x 3 uint8)."""
    reference = np.median(lines[0], axis=0).astype(np.int16)
    deviation = np.abs(lines[:, :, 0].astype(np.int16) - reference[0])
    for channel in (1, 2):
        channel_deviation = np.abs(
            lines[:, :, channel].astype(np.int16) - reference[channel]
        )
        np.maximum(deviation, channel_deviation, out=deviation)
    mostly_within = (deviation <= tolerance).mean(axis=1) >= MIN_UNIFORM_SHARE
    # The median deviation is at most t exactly when half the pixels are within t.
    flat = (deviation <= min(MEDIAN_TOLERANCE, tolerance)).mean(axis=1) >= 0.5
    core = _leading_true(mostly_within & flat)
    if core == 0:
        return _Border(0, reference)
    colour = np.median(lines[:core].reshape(-1, 3), axis=0)
    # JPEG ringing next to the painting raises the median inside the bar's last
    # coding block, so the border may run on through lines that pass the loose test.
    ringing = mostly_within[core : core + RINGING_LINES]
    return _Border(core + _leading_true(ringing), colour)


def _pair_borders(first: _Border, second: _Border, length: int) -> tuple[int, int]:
    """Return the widths to trim from two opposite borders along an axis."""
    colour_difference = np.abs(first.colour - second.colour).max()
    if first.width and second.width and colour_difference <= PAIR_COLOUR_TOLERANCE:
        return first.width, second.width
    limit = max(_ONE_SIDED_MIN_PIXELS, round(ONE_SIDED_FRACTION * length))
    return min(first.width, limit), min(second.width, limit)


def find_content_box(
    image: Image.Image | np.ndarray,
    tolerance: int = DEFAULT_TOLERANCE,
    max_fraction: float = DEFAULT_MAX_FRACTION,
) -> tuple[int, int, int, int]:
    """Find the box inside the uniform borders of ``image``.

    The line rules are in the module docstring. If the borders found along one axis
    would remove more than ``max_fraction`` of that axis, that axis is left
    untrimmed. A plain-coloured image, or a near-plain one with a small motif, so
    keeps its full extent rather than shrinking to the motif.

    Args:
        image: PIL image of any mode, or an H x W (x 3 or 4) uint8 array.
        tolerance: maximum per-channel difference on the 0-255 scale between a border
            pixel and the border colour.
        max_fraction: maximum share of the width, and separately of the height, that
            may be removed, in [0, 1).

    Returns:
        ``(left, top, right, bottom)`` in pixels, with right and bottom exclusive, as
        ``PIL.Image.Image.crop`` expects. An image without borders gives
        ``(0, 0, width, height)``.

    Raises:
        ValueError: if an argument is out of range or the image is empty.
    """
    if not 0 <= tolerance <= 255:
        raise ValueError(f"tolerance must be in [0, 255], got {tolerance}")
    if not 0.0 <= max_fraction < 1.0:
        raise ValueError(f"max_fraction must be in [0, 1), got {max_fraction}")
    rgb = _as_rgb_array(image)
    height, width = rgb.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"image is empty ({width}x{height} pixels)")

    columns = rgb.transpose(1, 0, 2)
    top, bottom = _pair_borders(
        _find_border(rgb, tolerance), _find_border(rgb[::-1], tolerance), height
    )
    left, right = _pair_borders(
        _find_border(columns, tolerance),
        _find_border(columns[::-1], tolerance),
        width,
    )

    if top + bottom > max_fraction * height:
        logger.debug(
            "not trimming rows: borders of %d + %d rows exceed %.2f of height %d",
            top,
            bottom,
            max_fraction,
            height,
        )
        top = bottom = 0
    if left + right > max_fraction * width:
        logger.debug(
            "not trimming columns: borders of %d + %d columns exceed %.2f of width %d",
            left,
            right,
            max_fraction,
            width,
        )
        left = right = 0
    return left, top, width - right, height - bottom


def trim_uniform_border(
    image: Image.Image,
    tolerance: int = DEFAULT_TOLERANCE,
    max_fraction: float = DEFAULT_MAX_FRACTION,
) -> Image.Image:
    """Crop the uniform borders, such as letterbox bars, off ``image``.

    The rules and arguments are those of ``find_content_box``.

    NOTE: a dark passage of the painting that touches a black bar loses up to
    ``RINGING_LINES`` lines with the bar, and all of itself where it is as flat and
    dark as the bar, because the pixels do not tell them apart.

    Args:
        image: PIL image of any mode.

    Returns:
        A new image of the same mode, cropped to the content box. An image without
        borders comes back as a copy of the same size.
    """
    box = find_content_box(image, tolerance, max_fraction)
    return image.crop(box)
