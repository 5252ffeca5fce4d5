"""Teachers on synthetic images with known results, and on real paintings."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from artcomp_gui.training.borders import trim_uniform_border
from artcomp_gui.training.teachers import (
    ANALYSIS_LONG_SIDE,
    TEACHER_NAMES,
    AnalysisImage,
    compute_teachers,
)
from artcomp_gui.training.teachers.balancing_elements import (
    balance_deviation,
    balancing_elements,
)
from artcomp_gui.training.teachers.color_harmony import (
    TEMPLATES,
    color_harmony,
    fit_hue_templates,
)
from artcomp_gui.training.teachers.depth_of_field import low_depth_of_field_indicator
from artcomp_gui.training.teachers.light import light, light_components
from artcomp_gui.training.teachers.vivid_color import colorfulness

SIDE = ANALYSIS_LONG_SIDE


def hsv_image(hue_degrees: np.ndarray, saturation: float = 1.0) -> Image.Image:
    """Build an RGB image from a hue map in degrees at full value."""
    hsv = np.stack(
        [
            np.round(hue_degrees / 360.0 * 255.0) % 256,
            np.full_like(hue_degrees, saturation * 255.0),
            np.full_like(hue_degrees, 255.0),
        ],
        axis=-1,
    ).astype(np.uint8)
    return Image.fromarray(hsv, mode="HSV").convert("RGB")


def texture(seed: int = 0, side: int = SIDE) -> np.ndarray:
    """Return a fine random grey texture, side x side x 3 uint8."""
    rng = np.random.default_rng(seed)
    grey = rng.integers(30, 226, size=(side, side), dtype=np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


# Vivid Color


def test_colorfulness_grey_is_zero():
    grey = Image.new("RGB", (SIDE, SIDE), (128, 128, 128))
    assert colorfulness(grey) == pytest.approx(0.0, abs=1e-9)


def test_colorfulness_saturated_far_higher():
    gradient = Image.fromarray(texture(1))
    hues = np.random.default_rng(2).uniform(0, 360, size=(SIDE, SIDE))
    saturated = hsv_image(hues)
    assert colorfulness(gradient) < 1e-6
    assert colorfulness(saturated) > 80.0


def test_colorfulness_matches_formula():
    # Half pure red, half pure blue, already at the analysis size.
    pixels = np.zeros((SIDE // 2, SIDE, 3), dtype=np.uint8)
    pixels[:, : SIDE // 2, 0] = 255
    pixels[:, SIDE // 2 :, 2] = 255
    red_green = np.array([255.0, 0.0])
    yellow_blue = np.array([127.5, -255.0])
    expected = math.hypot(red_green.std(), yellow_blue.std()) + 0.3 * math.hypot(
        red_green.mean(), yellow_blue.mean()
    )
    assert colorfulness(pixels) == pytest.approx(expected, rel=1e-5)


# Depth of Field


def shallow_focus_scene(seed: int = 0) -> tuple[Image.Image, Image.Image]:
    """Return (sharp centre over blurred surround, the same scene all sharp)."""
    sharp = Image.fromarray(texture(seed))
    blurred = sharp.filter(ImageFilter.GaussianBlur(4))
    shallow = blurred.copy()
    centre = (SIDE // 4, SIDE // 4, 3 * SIDE // 4, 3 * SIDE // 4)
    shallow.paste(sharp.crop(centre), centre[:2])
    return shallow, sharp


def test_depth_of_field_sharp_centre_higher():
    shallow, sharp = shallow_focus_scene()
    assert low_depth_of_field_indicator(shallow) > 0.8
    assert low_depth_of_field_indicator(sharp) == pytest.approx(0.25, abs=0.02)


def test_depth_of_field_sharp_border_lower():
    sharp = Image.fromarray(texture(3))
    blurred = sharp.filter(ImageFilter.GaussianBlur(4))
    centre = (SIDE // 4, SIDE // 4, 3 * SIDE // 4, 3 * SIDE // 4)
    sharp_border = sharp.copy()
    sharp_border.paste(blurred.crop(centre), centre[:2])
    assert low_depth_of_field_indicator(sharp_border) < 0.05


def test_depth_of_field_flat_image():
    flat = Image.new("RGB", (SIDE, 200), (40, 90, 10))
    assert low_depth_of_field_indicator(flat) == 0.25


# Balancing Elements


def disc_scene(centres: list[tuple[int, int]], radius: int = 18) -> Image.Image:
    """Dark discs on a light ground, SIDE x SIDE."""
    rows, columns = np.mgrid[0:SIDE, 0:SIDE]
    pixels = np.full((SIDE, SIDE, 3), 235, dtype=np.uint8)
    for column, row in centres:
        inside = (columns + 0.5 - column) ** 2 + (rows + 0.5 - row) ** 2 <= radius**2
        pixels[inside] = (30, 40, 60)
    return Image.fromarray(pixels)


def test_balance_symmetric_beats_corner():
    symmetric = disc_scene([(64, 128), (192, 128)])
    corner = disc_scene([(30, 30), (70, 30)])
    assert balance_deviation(symmetric) < 0.01
    assert balance_deviation(corner) > 0.4
    assert balancing_elements(symmetric) > balancing_elements(corner)


def test_balance_mirrored_layout_same_deviation():
    layout = disc_scene([(40, 60), (100, 200)])
    mirrored = layout.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    assert balance_deviation(layout) == pytest.approx(
        balance_deviation(mirrored), abs=1e-6
    )


def test_balance_flat_image_is_balanced():
    assert balancing_elements(Image.new("RGB", (SIDE, 100), (200, 10, 10))) == 0.0


# Color Harmony


def brute_force_fit(hues: np.ndarray, weights: np.ndarray) -> float:
    """Lowest weighted mean arc distance over all templates and 1-degree rotations."""
    best = math.inf
    for sectors in TEMPLATES.values():
        for rotation in range(360):
            total = 0.0
            for hue, weight in zip(hues, weights):
                distances = []
                for offset, width in sectors:
                    difference = abs(hue - (rotation + offset)) % 360
                    arc = min(difference, 360 - difference)
                    distances.append(max(0.0, arc - width / 2))
                total += min(distances) * weight
            best = min(best, total / weights.sum())
    return best


def test_template_fit_matches_brute_force():
    rng = np.random.default_rng(5)
    bins = rng.choice(360, size=6, replace=False)
    weights = rng.uniform(0.1, 1.0, size=6)
    histogram = np.zeros(360)
    histogram[bins] = weights
    _, _, distance = fit_hue_templates(histogram)
    expected = brute_force_fit(bins + 0.5, weights)
    assert distance == pytest.approx(expected, rel=1e-4, abs=1e-4)


def test_harmony_complementary_beats_random():
    rng = np.random.default_rng(6)
    complementary = np.where(rng.random((SIDE, SIDE)) < 0.5, 30.0, 210.0)
    random_hues = rng.uniform(0, 360, size=(SIDE, SIDE))
    complementary_value = color_harmony(hsv_image(complementary))
    random_value = color_harmony(hsv_image(random_hues))
    assert complementary_value > -0.5
    # Uniform hues leave the X template's two 86.4-degree gaps holding 48 % of the
    # pixels at a mean 21.6 degrees from a border: about -10.4 in all.
    assert random_value == pytest.approx(-10.4, abs=1.0)


def test_harmony_rotation_invariant():
    rng = np.random.default_rng(7)
    hues = rng.choice([10.0, 75.0, 160.0, 300.0], size=(SIDE, SIDE))
    original = color_harmony(hsv_image(hues))
    rotated = color_harmony(hsv_image((hues + 100.0) % 360.0))
    assert original < -5.0
    assert rotated == pytest.approx(original, abs=1.5)


def test_harmony_grey_images_near_zero():
    rng = np.random.default_rng(8)
    grey = Image.new("RGB", (SIDE, SIDE), (120, 120, 120))
    faint = np.clip(120 + rng.integers(-2, 3, size=(SIDE, SIDE, 3)), 0, 255).astype(
        np.uint8
    )
    strong = hsv_image(rng.uniform(0, 360, size=(SIDE, SIDE)))
    assert color_harmony(grey) == 0.0
    assert abs(color_harmony(faint)) < 0.2 * abs(color_harmony(strong))


# Light


def tonal_scene(low: int, high: int, seed: int = 9) -> np.ndarray:
    """Horizontal ramp from ``low`` to ``high`` with a bright textured centre."""
    ramp = np.linspace(low, high, SIDE)[None, :].repeat(SIDE, axis=0)
    rng = np.random.default_rng(seed)
    centre = slice(SIDE // 4, 3 * SIDE // 4)
    ramp[centre, centre] = np.clip(
        ramp[centre, centre] * 0.4 + 120 + rng.normal(0, 25, (SIDE // 2, SIDE // 2)),
        0,
        255,
    )
    grey = np.clip(ramp, 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def test_light_full_range_beats_flat():
    good = tonal_scene(15, 240)
    flat = tonal_scene(118, 138)
    assert light(good) > light(flat) + 0.3


def test_light_full_range_beats_clipped():
    good = tonal_scene(15, 240)
    clipped = np.where(tonal_scene(15, 240) > 128, 255, 0).astype(np.uint8)
    components = light_components(clipped)
    assert components.clipped_share > 0.7
    assert light(good) > light(clipped) + 0.5


def test_light_sharp_subject_found():
    scene = tonal_scene(15, 240)
    components = light_components(scene)
    assert not components.central_fallback
    assert components.subject_brightness > components.background_brightness


# All teachers


def test_compute_teachers_matches_each_teacher():
    image = hsv_image(np.random.default_rng(10).uniform(0, 90, size=(180, 240)))
    values = compute_teachers(image)
    assert tuple(values) == TEACHER_NAMES
    assert values["vivid_color"] == colorfulness(image)
    assert values["color_harmony"] == color_harmony(image)
    assert values["balancing_elements"] == balancing_elements(image)
    assert values["depth_of_field"] == low_depth_of_field_indicator(image)
    assert values["light"] == light(image)


def test_teachers_resolution_independent():
    small = Image.fromarray(tonal_scene(20, 230)).convert("RGB")
    large = small.resize((2 * SIDE, 2 * SIDE), Image.Resampling.BICUBIC)
    small_values = compute_teachers(small)
    large_values = compute_teachers(large)
    for name in TEACHER_NAMES:
        assert large_values[name] == pytest.approx(
            small_values[name], rel=0.05, abs=0.01
        ), name


def test_analysis_image_size():
    analysis = AnalysisImage(np.zeros((100, 400, 3), dtype=np.uint8))
    assert (analysis.width, analysis.height) == (SIDE, 64)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((64, 64), dtype=np.uint8),
        np.zeros((64, 64, 3), dtype=np.float32),
        np.zeros((10, 400, 3), dtype=np.uint8),
    ],
)
def test_invalid_arrays_rejected(image):
    with pytest.raises(ValueError):
        compute_teachers(image)


def test_non_image_rejected():
    with pytest.raises(TypeError):
        compute_teachers([[0, 0, 0]])


def test_real_paintings_finite(paintings_dir: Path):
    folders = sorted(p for p in paintings_dir.iterdir() if p.is_dir())
    files = [min(folder.glob("*.jpg")) for folder in folders]
    assert len(files) >= 5
    for path in files:
        with Image.open(path) as image:
            values = compute_teachers(trim_uniform_border(image.convert("RGB")))
        assert set(values) == set(TEACHER_NAMES)
        for name, value in values.items():
            assert math.isfinite(value), f"{path}: {name} = {value}"
        assert -1.0 <= values["balancing_elements"] <= 0.0
        assert -180.0 <= values["color_harmony"] <= 0.0
        assert 0.0 <= values["depth_of_field"] <= 1.0
        assert values["vivid_color"] >= 0.0
