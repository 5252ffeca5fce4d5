"""Keys 1 to 7, clicks on bars, 0 and Esc switch the heatmap overlay."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from artcomp_gui.ui.heatmap_overlay import color_scale_for, overlay_size, render_heatmap

SCORE_TIMEOUT_MS = 60_000


@pytest.fixture()
def scored_window(qtbot, make_window, scoring_model, painting_paths):
    window = make_window(scoring_model)
    window.open_paths([painting_paths[0]])
    qtbot.waitUntil(
        lambda: window.current_result() is not None and window.view.has_image,
        timeout=SCORE_TIMEOUT_MS,
    )
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitActive(window)
    return window


def overlay_pixels(window) -> np.ndarray:
    image = window.view.overlay_image.convertToFormat(QImage.Format.Format_RGBA8888)
    buffer = np.frombuffer(image.constBits(), np.uint8)
    rows = buffer.reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)


def test_keys_switch_overlay(qtbot, scored_window):
    window = scored_window
    result = window.current_result()
    count = len(window.card.attributes)
    style = window.heatmap_style()

    for index in range(min(count, 7)):
        qtbot.keyClick(window.view, str(index + 1))
        activation_map = result.maps[index]
        scale = color_scale_for(activation_map, style.colormap)
        expected = render_heatmap(
            activation_map,
            overlay_size(window.view.image_size),
            scale,
            style.fade_near_zero,
        )

        assert window.selected_attribute == index
        assert window.view.overlay_visible
        assert window.panel.bars[index].selected
        assert window.heatmap_controls.legend.scale == scale
        assert (
            window.card.attributes[index].label
            in window.heatmap_controls.legend.caption()
        )
        np.testing.assert_array_equal(overlay_pixels(window), expected)


def test_same_key_hides_overlay(qtbot, scored_window):
    qtbot.keyClick(scored_window.view, "3")
    qtbot.keyClick(scored_window.view, "3")

    assert scored_window.selected_attribute is None
    assert not scored_window.view.overlay_visible


@pytest.mark.parametrize("key", [Qt.Key.Key_0, Qt.Key.Key_Escape])
def test_zero_and_escape_hide_overlay(qtbot, scored_window, key):
    qtbot.keyClick(scored_window.view, "2")
    shown = scored_window.view.overlay_visible
    qtbot.keyClick(scored_window.view, key)

    assert shown
    assert scored_window.selected_attribute is None
    assert not scored_window.view.overlay_visible
    assert not any(bar.selected for bar in scored_window.panel.bars)


def test_bar_click_toggles_overlay(qtbot, scored_window):
    bar = scored_window.panel.bars[4]

    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton)
    shown = (scored_window.selected_attribute, scored_window.view.overlay_visible)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton)

    assert shown == (4, True)
    assert scored_window.selected_attribute is None
    assert not scored_window.view.overlay_visible


def test_opacity_slider_sets_overlay_opacity(qtbot, scored_window):
    qtbot.keyClick(scored_window.view, "1")
    scored_window.heatmap_controls.opacity_slider.setValue(25)

    assert scored_window.view.overlay_opacity == pytest.approx(0.25)
    assert scored_window.settings.opacity == pytest.approx(0.25)


def test_colormap_change_rerenders_overlay(qtbot, scored_window):
    qtbot.keyClick(scored_window.view, "1")
    before = overlay_pixels(scored_window).copy()
    scored_window.heatmap_controls.set_colormap("viridis")

    assert scored_window.heatmap_controls.legend.scale.colormap == "viridis"
    assert not scored_window.heatmap_controls.legend.scale.centred
    assert scored_window.settings.colormap == "viridis"
    assert not np.array_equal(overlay_pixels(scored_window), before)
