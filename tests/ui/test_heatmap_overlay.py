"""Activation maps become colour overlays aligned with the image."""

from __future__ import annotations

import numpy as np
import pytest

from artcomp_gui.ui.heatmap_overlay import (
    ColorScale,
    blend,
    color_scale_for,
    colormap_lut,
    overlay_size,
    render_heatmap,
    to_qimage,
)


def test_scale_diverging_is_centred():
    scale = color_scale_for(np.array([[-0.5, 2.0], [0.1, 0.0]], np.float32), "RdBu_r")

    assert scale.centred
    assert scale.low == pytest.approx(-2.0)
    assert scale.high == pytest.approx(2.0)


def test_scale_sequential_spans_range():
    scale = color_scale_for(np.array([[-0.5, 2.0], [0.1, 0.0]], np.float32), "viridis")

    assert not scale.centred
    assert scale.low == pytest.approx(-0.5)
    assert scale.high == pytest.approx(2.0)


def test_scale_all_zero_map():
    scale = color_scale_for(np.zeros((7, 7), np.float32), "RdBu_r")

    assert scale.high > 0
    assert np.isfinite(scale.normalise(np.zeros(3))).all()


def test_scale_unknown_colormap():
    with pytest.raises(ValueError, match="not_a_map"):
        color_scale_for(np.zeros((2, 2), np.float32), "not_a_map")


def test_render_left_half_positive_is_red():
    activation_map = np.array([[1.0, -1.0], [1.0, -1.0]], np.float32)
    scale = color_scale_for(activation_map, "RdBu_r")

    rgba = render_heatmap(activation_map, (40, 20), scale)

    assert rgba.shape == (20, 40, 4)
    assert rgba.dtype == np.uint8
    assert rgba[10, 2, 0] > rgba[10, 2, 2]
    assert rgba[10, 37, 2] > rgba[10, 37, 0]
    assert (rgba[..., 3] == 255).all()


def test_render_fade_makes_zero_transparent():
    activation_map = np.array([[0.0, 1.0]], np.float32)
    scale = color_scale_for(activation_map, "RdBu_r")

    rgba = render_heatmap(activation_map, (40, 10), scale, fade_near_zero=True)

    assert rgba[5, 0, 3] < 20
    assert rgba[5, 39, 3] == 255


def test_render_extreme_values_use_lut_ends():
    activation_map = np.array([[-3.0, 3.0]], np.float32)
    scale = ColorScale("viridis", -3.0, 3.0, centred=True)
    lut = colormap_lut("viridis")

    rgba = render_heatmap(activation_map, (2, 1), scale)

    np.testing.assert_array_equal(rgba[0, 0], lut[0])
    np.testing.assert_array_equal(rgba[0, 1], lut[-1])


def test_overlay_size_keeps_aspect():
    assert overlay_size((4000, 2000)) == (1024, 512)
    assert overlay_size((300, 200)) == (300, 200)
    assert overlay_size((4000, 2000), max_side=None) == (4000, 2000)


def test_blend_opacity_limits():
    image = np.full((2, 2, 3), 100, np.uint8)
    overlay = np.zeros((2, 2, 4), np.uint8)
    overlay[..., 0] = 250
    overlay[..., 3] = 255

    assert (blend(image, overlay, 0.0) == image).all()
    assert (blend(image, overlay, 1.0)[..., 0] == 250).all()
    assert (blend(image, overlay, 0.5)[..., 0] == 175).all()


def test_blend_size_mismatch():
    with pytest.raises(ValueError, match="differ in size"):
        blend(np.zeros((2, 2, 3), np.uint8), np.zeros((3, 2, 4), np.uint8), 0.5)


def test_qimage_copies_pixels():
    array = np.zeros((3, 5, 4), np.uint8)
    array[1, 2] = (10, 20, 30, 255)

    image = to_qimage(array)
    array[1, 2] = 0
    colour = image.pixelColor(2, 1)

    assert (image.width(), image.height()) == (5, 3)
    assert (colour.red(), colour.green(), colour.blue()) == (10, 20, 30)
