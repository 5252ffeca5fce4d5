"""Input policy: keep the whole frame, resize to a pixel budget, normalise for ImageNet."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# ResNet-50 halves the resolution five times. Both input sides are multiples of 32, so
# every cell of every feature map covers a whole block of input pixels and all maps align
# with the image. The 3x3 grid branch needs a last-stage map of at least 3x3 cells.
NETWORK_STRIDE = 32
MIN_SIDE = 3 * NETWORK_STRIDE


def input_size_for(width: int, height: int, pixel_budget: int) -> tuple[int, int]:
    """Return the network input size (width, height) for an image of the given size.

    The area is close to ``pixel_budget`` and nothing is cropped, because composition
    depends on the whole frame. Each side is rounded to a multiple of ``NETWORK_STRIDE``,
    which changes the aspect ratio by at most half a stride on each side. Very
    elongated images get a short side of ``MIN_SIDE`` and so a larger area.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size {width}x{height} is empty")
    scale = math.sqrt(pixel_budget / (width * height))
    short = min(width, height) * scale
    if short < MIN_SIDE:
        scale *= MIN_SIDE / short

    new_width = max(MIN_SIDE, round(width * scale / NETWORK_STRIDE) * NETWORK_STRIDE)
    new_height = max(MIN_SIDE, round(height * scale / NETWORK_STRIDE) * NETWORK_STRIDE)
    return new_width, new_height


@dataclass(frozen=True)
class Preprocessor:
    """Picklable image-to-tensor transform, so data-loader workers can run it."""

    pixel_budget: int = 224 * 224

    def __call__(self, image: Image.Image) -> torch.Tensor:
        """Resize an RGB image to the pixel budget and normalise it.

        Returns:
            Float32 tensor, 3 x h x w, normalised with the ImageNet mean and std.
        """
        if image.mode != "RGB":
            image = image.convert("RGB")
        size = input_size_for(image.width, image.height, self.pixel_budget)
        if size != image.size:
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)

        array = np.asarray(image, dtype=np.float32) / 255.0
        tensor = torch.from_numpy(array).permute(2, 0, 1)
        mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
        return (tensor - mean) / std
