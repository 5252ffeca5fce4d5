"""Uniform border trimming: known letterbox boxes, plain images, real WikiArt files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artcomp_gui.training.borders import find_content_box, trim_uniform_border

SIDE = 224


def noise_painting(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Return a textured H x W x 3 uint8 'painting' with no uniform rows or columns."""
    rng = np.random.default_rng(seed)
    return rng.integers(40, 230, size=(height, width, 3), dtype=np.uint8)


def letterboxed(
    content: np.ndarray, box: tuple[int, int, int, int], colour: int = 0
) -> Image.Image:
    """Paste ``content`` at ``box`` into a SIDE x SIDE canvas of one colour."""
    canvas = np.full((SIDE, SIDE, 3), colour, dtype=np.uint8)
    left, top, right, bottom = box
    canvas[top:bottom, left:right] = content
    return Image.fromarray(canvas)


def jpeg_round_trip(image: Image.Image, quality: int = 85) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@pytest.mark.parametrize(
    "box",
    [(0, 30, SIDE, 194), (25, 0, 199, SIDE), (0, 57, SIDE, 167), (60, 0, 163, SIDE)],
)
def test_letterbox_exact_box(box):
    left, top, right, bottom = box
    image = letterboxed(noise_painting(right - left, bottom - top), box)
    assert find_content_box(image) == box


@pytest.mark.parametrize("box", [(0, 30, SIDE, 194), (25, 0, 199, SIDE)])
def test_letterbox_jpeg_within_one_pixel(box):
    left, top, right, bottom = box
    image = jpeg_round_trip(
        letterboxed(noise_painting(right - left, bottom - top), box)
    )
    found = find_content_box(image)
    for found_edge, true_edge in zip(found, box):
        assert abs(found_edge - true_edge) <= 1, (found, box)


def test_white_bars_trimmed():
    box = (0, 40, SIDE, 184)
    image = letterboxed(noise_painting(SIDE, 144), box, colour=255)
    assert find_content_box(image) == box


def test_trim_crops_to_box_and_keeps_mode():
    box = (0, 30, SIDE, 194)
    image = letterboxed(noise_painting(SIDE, 164), box).convert("L")
    trimmed = trim_uniform_border(image)
    assert trimmed.size == (SIDE, 164)
    assert trimmed.mode == "L"


def test_plain_image_untouched():
    image = Image.new("RGB", (SIDE, 180), (90, 120, 200))
    assert find_content_box(image) == (0, 0, SIDE, 180)
    assert trim_uniform_border(image).size == (SIDE, 180)


def test_small_motif_not_trimmed_to_motif():
    canvas = np.full((SIDE, SIDE, 3), 245, dtype=np.uint8)
    canvas[20:30, 20:30] = 10
    assert find_content_box(Image.fromarray(canvas)) == (0, 0, SIDE, SIDE)


def test_one_sided_band_trimmed_at_most_two_pixels():
    content = noise_painting(SIDE, SIDE)
    content[:40] = 12
    left, top, right, bottom = find_content_box(Image.fromarray(content))
    assert top <= 2
    assert bottom == SIDE
    assert (left, right) == (0, SIDE)


def test_array_input_matches_image():
    image = letterboxed(noise_painting(SIDE, 150), (0, 37, SIDE, 187))
    assert find_content_box(np.asarray(image)) == find_content_box(image)


@pytest.mark.parametrize(
    "arguments", [{"tolerance": -1}, {"tolerance": 256}, {"max_fraction": 1.0}]
)
def test_invalid_arguments_rejected(arguments):
    image = Image.new("RGB", (32, 32))
    with pytest.raises(ValueError):
        find_content_box(image, **arguments)


def near_black_full_line(line: np.ndarray) -> bool:
    """True when at least 98 % of a line's pixels have every channel <= 8."""
    return bool((line.max(axis=-1) <= 8).mean() >= 0.98)


def test_wikiart_edges_not_black(paintings_dir: Path):
    files = sorted(paintings_dir.glob("*/*.jpg"))[::30]
    assert len(files) >= 100
    trimmed_count = 0
    for path in files:
        with Image.open(path) as image:
            trimmed = np.asarray(trim_uniform_border(image.convert("RGB")))
        if trimmed.shape[:2] != (SIDE, SIDE):
            trimmed_count += 1
        edges = {
            "top": trimmed[0],
            "bottom": trimmed[-1],
            "left": trimmed[:, 0],
            "right": trimmed[:, -1],
        }
        for side, line in edges.items():
            assert not near_black_full_line(line), f"{path}: {side} edge is a bar"
    assert trimmed_count >= len(files) // 2


@pytest.mark.parametrize("name", ["art_nouveau/1460.jpg", "impressionism/6567.jpg"])
def test_wikiart_without_bars_same_size(paintings_dir: Path, name: str):
    path = paintings_dir / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    with Image.open(path) as image:
        trimmed = trim_uniform_border(image)
    assert trimmed.size == (SIDE, SIDE)
