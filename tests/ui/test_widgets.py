"""Widgets and helpers on their own: bars, legend, view zoom, table sort, caches."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from artcomp_gui.model import AttributeSpec
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.attribute_panel import AttributeBar, AttributePanel
from artcomp_gui.ui.batch_progress import describe_progress, format_duration
from artcomp_gui.ui.caches import LruCache
from artcomp_gui.ui.colorbar_legend import ColorbarLegend
from artcomp_gui.ui.folder_results_model import SORT_ROLE
from artcomp_gui.ui.folder_table import FolderPanel
from artcomp_gui.ui.heatmap_overlay import ColorScale
from artcomp_gui.ui.image_store import ImageStore
from artcomp_gui.ui.image_strip import ImageListModel, ImageStrip
from artcomp_gui.ui.painting_view import PaintingView
from artcomp_gui.ui.workers import BatchProgress, FolderJob, _RateTracker

SIGNED = AttributeSpec(name="light", label="Light", order=0)
UNSIGNED = AttributeSpec(
    name="overall", label="Overall", order=1, low=0.0, high=1.0, activation="sigmoid"
)


def test_bar_signed_grows_from_middle(qtbot):
    bar = AttributeBar(SIGNED, "1")
    qtbot.addWidget(bar)

    bar.set_value(0.5)
    positive = bar.fraction()
    bar.set_value(-1.0)
    negative = bar.fraction()

    assert positive == pytest.approx((0.5, 0.75))
    assert negative == pytest.approx((0.0, 0.5))
    assert bar.value_text() == "-1.00"


def test_bar_unsigned_grows_from_left(qtbot):
    bar = AttributeBar(UNSIGNED)
    qtbot.addWidget(bar)

    bar.set_value(0.25)

    assert bar.fraction() == pytest.approx((0.0, 0.25))
    assert bar.value_text() == "0.25"


def test_bar_without_value(qtbot):
    bar = AttributeBar(SIGNED, "1")
    qtbot.addWidget(bar)

    assert bar.fraction() == (0.0, 0.0)
    assert bar.value_text() == "\u2014"


def test_bar_value_clamped_to_range(qtbot):
    bar = AttributeBar(SIGNED, "1")
    qtbot.addWidget(bar)
    bar.set_value(3.0)

    assert bar.fraction() == pytest.approx((0.5, 1.0))


def test_bar_tooltip_has_card_details(qtbot):
    spec = AttributeSpec(
        name="light",
        label="Light",
        order=0,
        source={"summary": "AADB light ratings"},
        accuracy={"spearman": 0.61, "against": "AADB test ratings"},
    )
    bar = AttributeBar(spec, "4")
    qtbot.addWidget(bar)

    assert "AADB light ratings" in bar.toolTip()
    assert "0.61" in bar.toolTip()
    assert "press 4" in bar.toolTip()


def test_panel_overall_is_not_a_bar(qtbot):
    panel = AttributePanel()
    qtbot.addWidget(panel)
    panel.set_attributes([SIGNED], UNSIGNED)
    panel.set_scores({"light": 0.2}, overall=0.7)

    assert len(panel.bars) == 1
    assert panel.overall is not None
    assert panel.overall.text() == "0.70"


def test_panel_click_emits_index(qtbot):
    panel = AttributePanel()
    qtbot.addWidget(panel)
    second = AttributeSpec(name="color_harmony", label="Color Harmony", order=1)
    panel.set_attributes([SIGNED, second], None)

    with qtbot.waitSignal(panel.attribute_clicked) as signal:
        qtbot.mouseClick(panel.bars[1], Qt.MouseButton.LeftButton)

    assert signal.args == [1]


def test_legend_ticks_centred(qtbot):
    legend = ColorbarLegend()
    qtbot.addWidget(legend)
    legend.set_scale(ColorScale("RdBu_r", -0.5, 0.5, centred=True), "Light")

    assert legend.tick_labels() == ["-0.5", "0", "0.5"]
    assert "raises" in legend.caption()
    assert "Light" in legend.caption()


def test_legend_without_scale(qtbot):
    legend = ColorbarLegend()
    qtbot.addWidget(legend)
    legend.set_hint("Press 1")

    assert legend.tick_labels() == []
    assert legend.caption() == "Press 1"


def test_view_zoom_steps_and_fit(qtbot):
    view = PaintingView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(0)
    view.set_image(image)
    fitted = view.zoom

    view.actual_pixels()
    actual = view.zoom
    view.zoom_in()
    zoomed = view.zoom
    view.set_zoom(1000.0)
    maximum = view.zoom
    view.fit_to_window()

    assert fitted == pytest.approx(min(400 / 800, 300 / 600) * view.devicePixelRatioF())
    assert actual == pytest.approx(1.0)
    assert zoomed == pytest.approx(1.25)
    assert maximum == pytest.approx(32.0)
    assert view.fits_window
    assert view.zoom == pytest.approx(fitted)


def test_view_overlay_covers_image(qtbot):
    view = PaintingView()
    qtbot.addWidget(view)
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    view.set_image(image)
    overlay = QImage(150, 100, QImage.Format.Format_RGBA8888)

    view.set_overlay(overlay)
    bounds = view.overlay_item.sceneBoundingRect()

    assert view.overlay_visible
    assert (bounds.width(), bounds.height()) == pytest.approx((300, 200))


def test_view_arrow_keys_navigate(qtbot):
    view = PaintingView()
    qtbot.addWidget(view)
    steps = []
    view.navigate_requested.connect(steps.append)

    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Left)

    assert steps == [1, -1]


def scored(name: str, value: float | None) -> ScoredImage:
    return ScoredImage(
        index=0,
        path=f"/images/{name}",
        scores=None if value is None else {"light": value},
        maps=None if value is None else np.zeros((1, 7, 7), np.float32),
        overall=None,
        overall_map=None,
        error=None if value is not None else f"/images/{name}: the file is empty",
        image_size=None,
    )


@pytest.mark.parametrize(
    "order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder]
)
def test_table_sort_missing_last(qtbot, order):
    panel = FolderPanel(ImageStore())
    qtbot.addWidget(panel)
    panel.set_attributes([SIGNED], None)
    for name, value in [
        ("a.jpg", 0.1),
        ("b.jpg", None),
        ("c.jpg", -0.4),
        ("d.jpg", 0.9),
    ]:
        panel.add_result(scored(name, value), None)
    panel.flush()

    panel.table.sortByColumn(1, order)
    values = [panel.proxy.index(row, 1).data(SORT_ROLE) for row in range(4)]

    expected = sorted([0.1, -0.4, 0.9], reverse=order == Qt.SortOrder.DescendingOrder)
    assert values == [*expected, None]


def test_table_filter_by_name(qtbot):
    panel = FolderPanel(ImageStore())
    qtbot.addWidget(panel)
    panel.set_attributes([SIGNED], None)
    for name in ("sunset.jpg", "portrait.jpg", "Sunrise.png"):
        panel.add_result(scored(name, 0.0), None)
    panel.flush()

    panel.filter_edit.setText("sun")
    names = sorted(str(result.path) for result in panel.visible_results())

    assert names == ["/images/Sunrise.png", "/images/sunset.jpg"]
    assert panel.is_filtered()


def test_table_same_file_replaces_row(qtbot):
    panel = FolderPanel(ImageStore())
    qtbot.addWidget(panel)
    panel.set_attributes([SIGNED], None)
    panel.add_result(scored("a.jpg", 0.1), None)
    panel.add_result(scored("a.jpg", 0.3), None)
    panel.flush()

    assert panel.model.rowCount() == 1
    assert panel.model.results[0].scores == {"light": 0.3}


def test_cache_drops_oldest_over_cost():
    cache: LruCache[str, int] = LruCache(10, cost=lambda value: value)
    cache.put("a", 4)
    cache.put("b", 4)
    cache.get("a")
    cache.put("c", 4)

    assert "a" in cache
    assert "b" not in cache
    assert cache.total_cost == 8


def test_cache_skips_oversized_value():
    cache: LruCache[str, int] = LruCache(10, cost=lambda value: value)
    cache.put("big", 11)

    assert len(cache) == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (45.4, "0:45"), (723, "12:03"), (7500, "2:05:00")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_progress_text():
    job = FolderJob(1, [], False, root=None)  # type: ignore[arg-type]
    text = describe_progress(BatchProgress(job, 12, 22, 1, 45.0))

    assert text == "12 of 22 images, 10 left, about 0:45 left, 1 failed"


def test_rate_estimate_from_recent_results(monkeypatch):
    clock = iter([0.0, 10.0, 20.0])
    monkeypatch.setattr("artcomp_gui.ui.workers.time.monotonic", lambda: next(clock))
    tracker = _RateTracker()

    tracker.add(0)
    unknown = tracker.seconds_left(10)
    tracker.add(5)
    tracker.add(10)

    assert unknown is None
    assert tracker.seconds_left(10) == pytest.approx(20.0)


def test_strip_delete_key_requests_removal(qtbot):
    store = ImageStore()
    model = ImageListModel(store)
    strip = ImageStrip(model)
    qtbot.addWidget(strip)
    keys = model.add(["/images/a.jpg", "/images/b.jpg"])
    strip.select_row(1)
    removed = []
    strip.remove_requested.connect(removed.append)

    qtbot.keyClick(strip, Qt.Key.Key_Delete)

    assert removed == [keys[1]]


def test_strip_add_skips_duplicates(qtbot):
    model = ImageListModel(ImageStore())

    model.add(["/images/a.jpg", "/images/b.jpg"])
    keys = model.add(["/images/b.jpg", "/images/c.jpg", "/images/c.jpg"])

    assert model.keys == ["/images/a.jpg", "/images/b.jpg", "/images/c.jpg"]
    assert keys == ["/images/b.jpg", "/images/c.jpg", "/images/c.jpg"]
