"""Settings persist across instances and reject invalid stored values."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from artcomp_gui.ui.settings import DEFAULT_OPACITY, AppSettings


def open_settings(path) -> AppSettings:
    return AppSettings(QSettings(str(path), QSettings.Format.IniFormat))


def test_settings_round_trip(tmp_path):
    path = tmp_path / "settings.ini"
    first = open_settings(path)
    first.opacity = 0.35
    first.colormap = "viridis"
    first.last_folder = "/data/paintings"
    first.recursive = True
    first.fade_near_zero = False
    first.geometry = QByteArray(b"geometry")
    first.sync()

    second = open_settings(path)

    assert second.opacity == 0.35
    assert second.colormap == "viridis"
    assert second.last_folder == "/data/paintings"
    assert second.recursive is True
    assert second.fade_near_zero is False
    assert second.geometry == QByteArray(b"geometry")


def test_settings_invalid_values(tmp_path):
    path = tmp_path / "settings.ini"
    store = QSettings(str(path), QSettings.Format.IniFormat)
    store.setValue("heatmap/opacity", "bright")
    store.setValue("heatmap/colormap", "jet_and_more")
    settings = AppSettings(store)

    assert settings.opacity == DEFAULT_OPACITY
    assert settings.colormap == "RdBu_r"


def test_settings_window_restores_opacity(make_window, settings):
    settings.opacity = 0.2
    settings.colormap = "magma"
    window = make_window(None)

    assert window.heatmap_controls.opacity == 0.2
    assert window.heatmap_controls.colormap == "magma"
