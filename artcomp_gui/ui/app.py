"""Entry point of the desktop explorer: ``python main.py [PATHS...]``."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from artcomp_gui import __version__
from artcomp_gui.ui.logging_setup import configure_logging
from artcomp_gui.ui.main_window import MainWindow
from artcomp_gui.ui.qt_compat import binding_problem
from artcomp_gui.ui.settings import AppSettings
from artcomp_gui.ui.workers import InferenceController

logger = logging.getLogger(__name__)

ORGANIZATION_NAME = "ArtComp"
APPLICATION_NAME = "ArtComp"


def icon_path() -> Path:
    """Return the app icon, in ``resources/`` of a source checkout or the package."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "resources", package.parent / "resources"):
        candidate = folder / "artcomp.svg"
        if candidate.is_file():
            return candidate
    return package.parent / "resources" / "artcomp.svg"


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """Return the QApplication, creating it with the app's names and icon if needed."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
    QCoreApplication.setApplicationName(APPLICATION_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
    app.setApplicationDisplayName("ArtComp")
    app.setWindowIcon(QIcon(str(icon_path())))
    return app


def _install_exception_hook(window: MainWindow) -> None:
    """Turn an unexpected exception in a Qt slot into a logged, plain message.

    PySide6 passes exceptions raised in slots to ``sys.excepthook``, and the default
    hook prints them and goes on. Here the traceback goes to the log file and the user
    sees one line.
    """

    def hook(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        logger.error(
            "Unexpected error: %s",
            "".join(traceback.format_exception(kind, error, trace)),
        )
        window.report(
            f"Unexpected error ({kind.__name__}: {error}). Details are in the log file.",
            logging.ERROR,
        )

    sys.excepthook = hook


def main(
    paths: Sequence[str],
    weights_dir: str | os.PathLike[str] | None = None,
    device: str | None = None,
) -> int:
    """Open the explorer window, load the model in the background and open ``paths``.

    Args:
        paths: image files to open and folders to score.
        weights_dir: model folder with ``model_card.json``; None for the bundled model.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``; None reads ``ARTCOMP_DEVICE``.

    Returns:
        The process exit status: 0 after a normal quit.
    """
    app = create_application()
    log_path = configure_logging()
    logger.info("ArtComp %s starting; log file %s", __version__, log_path)

    controller = InferenceController()
    window = MainWindow(AppSettings(), controller)
    _install_exception_hook(window)
    window.show()
    problem = binding_problem()
    if problem is not None:
        window.report(problem, logging.ERROR)
    controller.load_model(weights_dir, device)
    if paths:
        # Open after the event loop starts, so the window paints first.
        QTimer.singleShot(0, lambda: window.open_paths(list(paths)))
    status = app.exec()
    controller.shutdown()
    logger.info("ArtComp exiting with status %d", status)
    return status
