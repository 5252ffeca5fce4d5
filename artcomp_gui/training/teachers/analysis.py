"""The fixed-size analysis image that every teacher measures.

All teachers resize their input so that the longer side is ``ANALYSIS_LONG_SIDE``
pixels (Pillow bicubic resampling, which low-pass filters when it shrinks) and keep
the aspect ratio. A teacher's value therefore depends on the picture, not on the
resolution of the file. ``AnalysisImage`` computes each derived map once, so
``compute_teachers`` can share them among the five teachers.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from PIL import Image

ANALYSIS_LONG_SIDE = 256
"""Longer side, in pixels, of the image that the teachers measure."""

MIN_ANALYSIS_SHORT_SIDE = 16
"""Shorter side, in pixels, below which the analysis image is rejected."""

REC601_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
"""Weights of R', G', B' in Rec. 601 luma, as Pillow's ``convert("L")`` uses."""


class AnalysisImage:
    """An image resized to the analysis size, with lazily computed maps.

    Attributes:
        red, green, blue: H x W float32 planes of gamma-encoded sRGB values in
            [0, 255], with max(H, W) == ``ANALYSIS_LONG_SIDE``.
    """

    def __init__(self, image: Image.Image | np.ndarray) -> None:
        """Resize ``image`` to the analysis size.

        Args:
            image: 8-bit PIL image (converted to RGB) or H x W x 3 uint8 array.

        Raises:
            TypeError: if ``image`` is neither a PIL image nor a numpy array.
            ValueError: if the array is not H x W x 3 uint8, or the image is so
                elongated that its shorter side would fall below
                ``MIN_ANALYSIS_SHORT_SIDE`` pixels.
        """
        pil_image = _to_pil_rgb(image)
        width, height = pil_image.size
        scale = ANALYSIS_LONG_SIDE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if min(size) < MIN_ANALYSIS_SHORT_SIDE:
            raise ValueError(
                f"image of {width}x{height} pixels is too elongated to analyse: its "
                f"shorter side would be {min(size)} px at the analysis size, below "
                f"{MIN_ANALYSIS_SHORT_SIDE} px; crop it closer to a 16:1 aspect ratio"
            )
        if size != (width, height):
            pil_image = pil_image.resize(size, Image.Resampling.BICUBIC)
        # Separate contiguous planes keep per-pixel arithmetic off the slow
        # last-axis reductions of an H x W x 3 array.
        planes = np.asarray(pil_image).transpose(2, 0, 1).astype(np.float32)
        self.red, self.green, self.blue = planes[0], planes[1], planes[2]

    @property
    def height(self) -> int:
        """Height of the analysis image in pixels."""
        return self.red.shape[0]

    @property
    def width(self) -> int:
        """Width of the analysis image in pixels."""
        return self.red.shape[1]

    @cached_property
    def luma(self) -> np.ndarray:
        """Rec. 601 luma of the gamma-encoded values, H x W float32 in [0, 1]."""
        red_weight, green_weight, blue_weight = REC601_LUMA_WEIGHTS / 255.0
        return (
            red_weight * self.red + green_weight * self.green + blue_weight * self.blue
        )

    @cached_property
    def _maximum(self) -> np.ndarray:
        return np.maximum(np.maximum(self.red, self.green), self.blue)

    @cached_property
    def _chroma_levels(self) -> np.ndarray:
        minimum = np.minimum(np.minimum(self.red, self.green), self.blue)
        return self._maximum - minimum

    @cached_property
    def chroma(self) -> np.ndarray:
        """HSV chroma (max - min of R, G, B), H x W float32 in [0, 1]."""
        return self._chroma_levels / np.float32(255.0)

    @cached_property
    def hue(self) -> np.ndarray:
        """HSV hue in degrees, H x W float32 in [0, 360); 0 where chroma is 0."""
        maximum, chroma = self._maximum, self._chroma_levels
        inverse_chroma = np.float32(60.0) / np.where(chroma > 0, chroma, np.inf)
        red, green, blue = self.red, self.green, self.blue
        hue = np.where(
            maximum == red,
            (green - blue) * inverse_chroma,
            np.where(
                maximum == green,
                (blue - red) * inverse_chroma + np.float32(120.0),
                (red - green) * inverse_chroma + np.float32(240.0),
            ),
        )
        hue %= np.float32(360.0)
        return hue

    @cached_property
    def detail(self) -> np.ndarray:
        """Haar wavelet detail magnitude of the luma at level 2.

        The luma is averaged over 2x2 cells (the level-1 Haar approximation, up to a
        factor), then each 2x2 cell of that gives the orthonormal Haar detail
        coefficients LH, HL and HH, and the map contains |LH| + |HL| + |HH|. At 256 px
        this is a 4-pixel scale, about what level 3 is on a 512-px photograph.

        Returns:
            (H // 4) x (W // 4) float32 array, 0 where the luma is flat.
        """
        luma = self.luma
        rows, columns = (self.height // 4) * 4, (self.width // 4) * 4
        approximation = _haar_average(luma[:rows, :columns])
        top_left = approximation[0::2, 0::2]
        top_right = approximation[0::2, 1::2]
        bottom_left = approximation[1::2, 0::2]
        bottom_right = approximation[1::2, 1::2]
        horizontal_edges = (top_left + top_right - bottom_left - bottom_right) / 2
        vertical_edges = (top_left - top_right + bottom_left - bottom_right) / 2
        diagonal = (top_left - top_right - bottom_left + bottom_right) / 2
        return np.abs(horizontal_edges) + np.abs(vertical_edges) + np.abs(diagonal)


ImageInput = Image.Image | np.ndarray | AnalysisImage
"""Teacher input: a PIL image, an H x W x 3 uint8 array or a prepared analysis
image."""


def as_analysis_image(image: ImageInput) -> AnalysisImage:
    """Return ``image`` as an ``AnalysisImage``, resizing it if it is not one yet."""
    if isinstance(image, AnalysisImage):
        return image
    return AnalysisImage(image)


def _to_pil_rgb(image: Image.Image | np.ndarray) -> Image.Image:
    """Return ``image`` as an RGB PIL image, checking an array's shape and type."""
    if isinstance(image, Image.Image):
        return image if image.mode == "RGB" else image.convert("RGB")
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"expected a PIL image or a numpy array, got {type(image).__name__}"
        )
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"expected an H x W x 3 uint8 array, got shape {image.shape} and dtype "
            f"{image.dtype}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image array is empty, shape {image.shape}")
    return Image.fromarray(image, mode="RGB")


def _haar_average(values: np.ndarray) -> np.ndarray:
    """Average ``values`` (even H x even W) over 2x2 cells."""
    return (
        values[0::2, 0::2]
        + values[0::2, 1::2]
        + values[1::2, 0::2]
        + values[1::2, 1::2]
    ) / 4
