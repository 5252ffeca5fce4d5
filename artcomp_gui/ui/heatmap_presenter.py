"""Rendering of the selected attribute's heatmap onto the view, with its legend."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage

from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.caches import LruCache
from artcomp_gui.ui.heatmap_controls import HeatmapControls
from artcomp_gui.ui.heatmap_export import HeatmapStyle
from artcomp_gui.ui.heatmap_overlay import (
    ColorScale,
    color_scale_for,
    overlay_size,
    render_heatmap,
    to_qimage,
)
from artcomp_gui.ui.painting_view import PaintingView
from artcomp_gui.ui.settings import AppSettings

# Rendered overlays kept, keyed by image, attribute and style. At most 4 MB each
# (MAX_OVERLAY_SIDE squared, RGBA).
OVERLAY_CACHE_COUNT = 64


class HeatmapPresenter(QObject):
    """Colours activation maps with the chosen style and shows them over the image.

    Style changes from ``controls`` are saved to ``settings`` and then call
    ``on_style_changed``, so the window can render the current image again.
    """

    def __init__(
        self,
        view: PaintingView,
        controls: HeatmapControls,
        settings: AppSettings,
        on_style_changed: Callable[[], None],
    ) -> None:
        super().__init__(view)
        self._view = view
        self._controls = controls
        self._settings = settings
        self._on_style_changed = on_style_changed
        self._overlays: LruCache[tuple, tuple[QImage, ColorScale]] = LruCache(
            OVERLAY_CACHE_COUNT
        )
        controls.colormap_changed.connect(self._colormap_changed)
        controls.opacity_changed.connect(self._opacity_changed)
        controls.fade_changed.connect(self._fade_changed)

    def style(self) -> HeatmapStyle:
        controls = self._controls
        return HeatmapStyle(
            controls.colormap, controls.opacity, controls.fade_box.isChecked()
        )

    def show(
        self, key: str | None, result: ScoredImage | None, index: int | None, label: str
    ) -> None:
        """Show attribute ``index``'s map of ``result`` over image ``key``, or clear
        the overlay when any of them is missing or the image is not displayed yet."""
        legend = self._controls.legend
        if (
            index is None
            or result is None
            or result.maps is None
            or not self._view.has_image
        ):
            self._view.clear_overlay()
            legend.set_scale(None)
            if index is None:
                legend.set_hint("Click a bar or press 1\u20137 to show its heatmap")
            else:
                legend.set_hint("No heatmap for this image yet")
            return

        style = self.style()
        cache_key = (key, index, style.colormap, style.fade_near_zero)
        cached = self._overlays.get(cache_key)
        if cached is None:
            activation_map = result.maps[index]
            scale = color_scale_for(activation_map, style.colormap)
            size = overlay_size(self._view.image_size)  # type: ignore[arg-type]
            rgba = render_heatmap(activation_map, size, scale, style.fade_near_zero)
            cached = (to_qimage(rgba), scale)
            self._overlays.put(cache_key, cached)

        overlay, scale = cached
        self._view.set_overlay(overlay)
        self._view.set_overlay_opacity(style.opacity)
        legend.set_scale(scale, label)

    def forget(self) -> None:
        """Drop rendered overlays, as after an image is scored again."""
        self._overlays.clear()

    def _colormap_changed(self, name: str) -> None:
        self._settings.colormap = name
        self._on_style_changed()

    def _opacity_changed(self, opacity: float) -> None:
        self._settings.opacity = opacity
        self._view.set_overlay_opacity(opacity)

    def _fade_changed(self, fade: bool) -> None:
        self._settings.fade_near_zero = fade
        self._on_style_changed()
