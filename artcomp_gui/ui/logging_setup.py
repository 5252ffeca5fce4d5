"""Log file of the desktop app, in the user's data folder."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths

LOG_FILE_NAME = "artcomp.log"
LOG_MAX_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def log_file_path() -> Path:
    """Return the log file in the app's data folder (``QStandardPaths.AppDataLocation``).

    On Linux this is ``~/.local/share/<organisation>/<application>/artcomp.log``. The
    organisation and application names must be set on the QApplication first.
    """
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation
    )
    return Path(folder) / LOG_FILE_NAME


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Send log records to a rotating log file and warnings to stderr.

    Only the app's entry point calls this; library modules only create loggers.

    Returns:
        The log file, or None if it cannot be created (then only stderr is used,
        and the reason is logged there).
    """
    root = logging.getLogger()
    root.setLevel(level)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)

    path = log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(__name__).warning(
            "Cannot write the log file %s: %s", path, error
        )
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    logging.captureWarnings(True)
    return path
