"""Persistent user settings: window layout, last folders, heatmap opacity and colormap."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings

from artcomp_gui.ui.heatmap_overlay import DEFAULT_COLORMAP, is_known_colormap

logger = logging.getLogger(__name__)

DEFAULT_OPACITY = 0.6


class AppSettings:
    """Typed access to the application's QSettings.

    Args:
        settings: the store to use. None opens the platform's native store for the
            organisation and application names set on the QApplication. Tests pass an
            INI file in a temporary folder so they never touch the user's settings.
    """

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings()

    @property
    def store(self) -> QSettings:
        return self._settings

    def sync(self) -> None:
        """Write pending changes to permanent storage."""
        self._settings.sync()
        if self._settings.status() != QSettings.Status.NoError:
            logger.warning(
                "Saving settings to %s failed: %s",
                self._settings.fileName(),
                self._settings.status(),
            )

    # Window layout ------------------------------------------------------------------

    @property
    def geometry(self) -> QByteArray | None:
        value = self._settings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._settings.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        """Dock and toolbar layout, from ``QMainWindow.saveState``."""
        value = self._settings.value("window/state")
        return value if isinstance(value, QByteArray) else None

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._settings.setValue("window/state", value)

    # Folders ------------------------------------------------------------------------

    @property
    def last_folder(self) -> str:
        """Folder the last open or score dialog was in; empty for the home folder."""
        return str(self._settings.value("paths/last_folder", "") or "")

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._settings.setValue("paths/last_folder", value)

    @property
    def export_folder(self) -> str:
        """Folder of the last export; empty to fall back to ``last_folder``."""
        return str(self._settings.value("paths/export_folder", "") or "")

    @export_folder.setter
    def export_folder(self, value: str) -> None:
        self._settings.setValue("paths/export_folder", value)

    @property
    def recursive(self) -> bool:
        """Whether Score Folder also scores images in subfolders."""
        return _to_bool(self._settings.value("scoring/recursive", False))

    @recursive.setter
    def recursive(self, value: bool) -> None:
        self._settings.setValue("scoring/recursive", bool(value))

    # Heatmap ------------------------------------------------------------------------

    @property
    def opacity(self) -> float:
        """Heatmap overlay opacity, 0 (invisible) to 1 (opaque)."""
        try:
            value = float(self._settings.value("heatmap/opacity", DEFAULT_OPACITY))
        except (TypeError, ValueError):
            logger.warning("Ignoring an invalid heatmap opacity in the settings")
            return DEFAULT_OPACITY
        return min(1.0, max(0.0, value))

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._settings.setValue("heatmap/opacity", min(1.0, max(0.0, float(value))))

    @property
    def colormap(self) -> str:
        """Matplotlib colormap name of the heatmap overlay."""
        value = str(self._settings.value("heatmap/colormap", DEFAULT_COLORMAP))
        if not is_known_colormap(value):
            logger.warning("Ignoring unknown colormap %r in the settings", value)
            return DEFAULT_COLORMAP
        return value

    @colormap.setter
    def colormap(self, value: str) -> None:
        self._settings.setValue("heatmap/colormap", value)

    @property
    def fade_near_zero(self) -> bool:
        """Whether overlay alpha follows the map's magnitude, so zero is transparent."""
        return _to_bool(self._settings.value("heatmap/fade_near_zero", True))

    @fade_near_zero.setter
    def fade_near_zero(self, value: bool) -> None:
        self._settings.setValue("heatmap/fade_near_zero", bool(value))


def _to_bool(value: object) -> bool:
    # INI files return "true"/"false" strings, native stores return bools.
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
