"""Menus, actions and keyboard shortcuts of the main window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from artcomp_gui import __version__
from artcomp_gui.model import AttributeSpec
from artcomp_gui.ui.logging_setup import log_file_path

if TYPE_CHECKING:
    from artcomp_gui.ui.main_window import MainWindow

MAX_ATTRIBUTE_SHORTCUTS = 9

SHORTCUTS_TEXT = """<table>
<tr><td><b>1</b> to <b>7</b></td><td>show that attribute's heatmap; again to hide</td></tr>
<tr><td><b>0</b> or <b>Esc</b></td><td>hide the heatmap</td></tr>
<tr><td><b>Left</b> / <b>Right</b>, <b>PgUp</b> / <b>PgDown</b></td>
<td>previous / next image</td></tr>
<tr><td><b>Wheel</b>, <b>Ctrl++</b> / <b>Ctrl+-</b></td><td>zoom</td></tr>
<tr><td><b>Ctrl+0</b></td><td>fit to window</td></tr>
<tr><td><b>Ctrl+1</b></td><td>actual pixels (100%)</td></tr>
<tr><td><b>Drag</b></td><td>pan</td></tr>
<tr><td><b>F5</b></td><td>decode and score the image again</td></tr>
<tr><td><b>Ctrl+O</b> / <b>Ctrl+Shift+O</b></td><td>open images / score a folder</td></tr>
<tr><td><b>Ctrl+E</b></td><td>export the results table as CSV</td></tr>
</table>"""


class WindowActions:
    """The window's actions, including one per attribute with keys 1 to 9."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.attribute_actions: list[QAction] = []
        self.heatmap_menu: QMenu | None = None
        self.hide_heatmap: QAction | None = None

    def add(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcuts: Sequence[QKeySequence | str] = (),
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcuts:
            action.setShortcuts([QKeySequence(key) for key in shortcuts])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        return action

    def set_attributes(self, specs: Sequence[AttributeSpec]) -> None:
        """Rebuild the Heatmap menu's attribute entries for a model card."""
        assert self.heatmap_menu is not None and self.hide_heatmap is not None
        for action in self.attribute_actions:
            self.heatmap_menu.removeAction(action)
            self.window.removeAction(action)
        self.attribute_actions = []
        for index, spec in enumerate(specs):
            action = QAction(spec.label, self.window)
            action.setCheckable(True)
            if index < MAX_ATTRIBUTE_SHORTCUTS:
                action.setShortcut(QKeySequence(str(index + 1)))
            action.setStatusTip(f"Show or hide the {spec.label} heatmap")
            action.triggered.connect(
                lambda checked=False, index=index: self.window.toggle_attribute(index)
            )
            self.heatmap_menu.insertAction(self.hide_heatmap, action)
            # Actions in a menu fire only while the menu bar is visible, so they
            # are added to the window too.
            self.window.addAction(action)
            self.attribute_actions.append(action)

    def set_checked_attribute(self, index: int | None) -> None:
        for position, action in enumerate(self.attribute_actions):
            action.setChecked(position == index)


def build_menus(window: MainWindow) -> WindowActions:
    """Create the File, View and Help menus of ``window`` and return its actions."""
    actions = WindowActions(window)
    menu_bar = window.menuBar()

    file_menu = menu_bar.addMenu("&File")
    actions.add(
        file_menu,
        "&Open Images\u2026",
        window.ask_open_images,
        [QKeySequence.StandardKey.Open],
    )
    actions.add(
        file_menu, "&Score Folder\u2026", window.ask_score_folder, ["Ctrl+Shift+O"]
    )
    recursive = QAction("Include &Subfolders When Scoring", window)
    recursive.setCheckable(True)
    recursive.setChecked(window.settings.recursive)
    recursive.toggled.connect(lambda on: setattr(window.settings, "recursive", on))
    file_menu.addAction(recursive)
    actions.recursive = recursive  # type: ignore[attr-defined]
    actions.add(file_menu, "Cancel Folder Scoring", window.cancel_batch)
    file_menu.addSeparator()
    actions.add(
        file_menu,
        "&Export Results as CSV\u2026",
        lambda: window.exports.ask_and_export_results("csv"),
        ["Ctrl+E"],
    )
    actions.add(
        file_menu,
        "Export Results as &JSON\u2026",
        lambda: window.exports.ask_and_export_results("json"),
    )
    actions.add(
        file_menu,
        "Export Heatmaps of Selected Rows\u2026",
        lambda: window.exports.ask_and_export_heatmaps(True, window.heatmap_style()),
    )
    actions.add(
        file_menu,
        "Export Heatmaps of All Rows\u2026",
        lambda: window.exports.ask_and_export_heatmaps(False, window.heatmap_style()),
    )
    file_menu.addSeparator()
    actions.add(
        file_menu, "&Quit", window.close, [QKeySequence.StandardKey.Quit, "Ctrl+Q"]
    )

    view_menu = menu_bar.addMenu("&View")
    view = window.view
    actions.add(view_menu, "Zoom &In", view.zoom_in, ["Ctrl++", "Ctrl+="])
    actions.add(view_menu, "Zoom &Out", view.zoom_out, ["Ctrl+-"])
    actions.add(view_menu, "&Fit to Window", view.fit_to_window, ["Ctrl+0"])
    actions.add(view_menu, "&Actual Pixels (100%)", view.actual_pixels, ["Ctrl+1"])
    view_menu.addSeparator()
    actions.add(view_menu, "&Previous Image", lambda: window.navigate(-1), ["PgUp"])
    actions.add(view_menu, "&Next Image", lambda: window.navigate(1), ["PgDown"])
    actions.add(view_menu, "&Close Image", lambda: _close_current(window), ["Ctrl+W"])
    actions.add(view_menu, "&Rescore Image", window.rescore_current, ["F5"])
    view_menu.addSeparator()

    heatmap_menu = view_menu.addMenu("&Heatmap")
    actions.heatmap_menu = heatmap_menu
    heatmap_menu.addSeparator()
    actions.hide_heatmap = actions.add(
        heatmap_menu,
        "Hide Heatmap",
        lambda: window.select_attribute(None),
        ["0", "Esc"],
    )
    view_menu.addSeparator()
    for dock in (
        window.attributes_dock,
        window.images_dock,
        window.folder_dock,
        window.messages_dock,
    ):
        view_menu.addAction(dock.toggleViewAction())

    help_menu = menu_bar.addMenu("&Help")
    actions.add(
        help_menu, "&Keyboard Shortcuts", lambda: _show_shortcuts(window), ["F1"]
    )
    actions.add(
        help_menu,
        "Open &Log Folder",
        lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(log_file_path().parent))
        ),
    )
    actions.add(help_menu, "&About ArtComp", lambda: _show_about(window))

    for menu in (file_menu, view_menu):
        for action in menu.actions():
            if not action.menu():
                window.addAction(action)
    return actions


def _close_current(window: MainWindow) -> None:
    if window.current_path is not None:
        window.close_image(window.current_path)


def _show_shortcuts(window: MainWindow) -> None:
    box = QMessageBox(
        QMessageBox.Icon.NoIcon, "Keyboard Shortcuts", SHORTCUTS_TEXT, parent=window
    )
    box.setModal(False)
    box.show()


def _show_about(window: MainWindow) -> None:
    card = window.card
    model = f"<p>Model: {card.name}</p>" if card is not None else ""
    QMessageBox.about(
        window,
        "About ArtComp",
        f"<h3>ArtComp {__version__}</h3>"
        "<p>Scores paintings and photographs on composition attributes with an "
        "ImageNet ResNet-50 and linear attribute heads, and shows which regions "
        "raise or lower each score.</p>"
        f"{model}<p>Log file: {log_file_path()}</p>",
    )
