"""Score tables in CSV or JSON, written one image at a time or exported at once.

The command-line scorer streams rows through ``ResultWriter`` so an interrupted run
leaves a valid partial file that ``--resume`` can continue. The GUI exports with
``write_results_atomically``, so the target file is either the old one or the new
complete one.

Columns are ``path``, one per attribute in model-card order, then ``error``. Scores
are written with ``SCORE_DECIMALS`` decimal places: as text in CSV (``0.1235``) and as
rounded numbers in JSON. Paths pass through ``display_path``, so names that are not
valid UTF-8 appear with ``\\xNN`` escapes. A row for an image that failed has empty
score cells (CSV) or nulls (JSON) and the message in ``error``.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple

from artcomp_gui.image_loader import display_path

logger = logging.getLogger(__name__)

RESULT_FORMATS = ("csv", "json")
SCORE_DECIMALS = 4
PATH_COLUMN = "path"
ERROR_COLUMN = "error"

# Permission bits of a new export file, the usual result of umask 022. A temporary
# file is created with 0o600, and an existing target keeps its own bits.
_NEW_FILE_MODE = 0o644


class ResultRow(NamedTuple):
    """One image's entry in a result table.

    Attributes:
        path: the image file.
        scores: attribute name to score, or None if the image failed.
        error: the failure message, or None.
    """

    path: str | os.PathLike[str]
    scores: Mapping[str, float] | None
    error: str | None


def result_columns(attribute_names: Sequence[str]) -> list[str]:
    """Return the table columns: ``path``, the attributes in order, ``error``."""
    return [PATH_COLUMN, *attribute_names, ERROR_COLUMN]


def result_format_for(path: str | os.PathLike[str]) -> str:
    """Return ``"json"`` for a ``.json`` file name and ``"csv"`` for any other."""
    return "json" if Path(path).suffix.lower() == ".json" else "csv"


class ResultWriter:
    """A CSV or JSON result file that is valid after every ``write``.

    Each ``write`` is flushed to the operating system, so the rows written so far
    survive if the process is killed. They are forced to disk (``os.fsync``) on
    ``close``, or after every row with ``fsync=True``, which guards against power
    loss at the cost of one disk sync per image.

    A JSON file is an array with one object per line. It always ends with ``]``: each
    new record is written over the closing bracket, followed by a new one.

    Use it as a context manager::

        with ResultWriter("scores.csv", model.attribute_names) as writer:
            writer.write("a.jpg", {"light": 0.31, ...}, None)
            writer.write("b.jpg", None, "b.jpg: the file is empty (0 bytes). ...")
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        attribute_names: Sequence[str],
        format: str = "csv",
        resume: bool = False,
        fsync: bool = False,
    ) -> None:
        """Open ``path`` for writing, truncating it unless ``resume`` is set.

        Args:
            path: the result file.
            attribute_names: the attribute columns, in model-card order.
            format: ``"csv"`` or ``"json"``.
            resume: append to an existing file instead of replacing it. A missing or
                empty file is started fresh.
            fsync: force every row to disk, not only on ``close``.

        Raises:
            ValueError: if ``format`` is unknown, or if ``resume`` finds a file whose
                columns differ from these or that is not a valid result file.
            OSError: if the file cannot be opened.
        """
        if format not in RESULT_FORMATS:
            raise ValueError(f"unknown result format {format!r}; use 'csv' or 'json'")
        self.path = Path(path)
        self.format = format
        self.attribute_names = list(attribute_names)
        self.columns = result_columns(self.attribute_names)
        self._fsync = fsync
        self._closed = False
        self._record_count = 0
        self._json_end = 0

        appending = resume and self.path.exists() and self.path.stat().st_size > 0
        if format == "csv":
            self._file: IO = self._open_csv(appending)
            self._csv = csv.writer(self._file)
            if not appending:
                self._csv.writerow(self.columns)
        else:
            self._file = self._open_json(appending)
        self._flush()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether ``close`` has run."""
        return self._closed

    def write(
        self,
        image_path: str | os.PathLike[str],
        scores: Mapping[str, float] | None,
        error: str | None,
    ) -> None:
        """Append one image's row and flush it.

        Args:
            image_path: the image file.
            scores: a score for every attribute column, or None if the image failed.
            error: the failure message, or None. At least one of ``scores`` and
                ``error`` must be given.

        Raises:
            ValueError: if the writer is closed, both arguments are None, or
                ``scores`` lacks an attribute column or has a key that is not one.
        """
        if self._closed:
            raise ValueError(f"result file {self.path} is already closed")
        if scores is None and error is None:
            raise ValueError(
                f"no scores and no error given for {display_path(image_path)}"
            )
        values = self._score_values(image_path, scores)
        path_text = display_path(image_path)

        if self.format == "csv":
            cells = [_format_score(value) for value in values]
            self._csv.writerow([path_text, *cells, error or ""])
        else:
            self._write_json_record(path_text, values, error)
        self._record_count += 1
        self._flush()

    def close(self) -> None:
        """Flush, force the file to disk and close it. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    def _score_values(
        self, image_path: str | os.PathLike[str], scores: Mapping[str, float] | None
    ) -> list[float | None]:
        """Return the scores in column order, with None for a failed image or NaN."""
        if scores is None:
            return [None] * len(self.attribute_names)

        missing = [name for name in self.attribute_names if name not in scores]
        unknown = sorted(set(scores) - set(self.attribute_names))
        if missing or unknown:
            raise ValueError(
                f"scores for {display_path(image_path)} do not match the columns of "
                f"{self.path}: missing {missing}, unknown {unknown}"
            )

        values: list[float | None] = []
        for name in self.attribute_names:
            value = float(scores[name])
            if math.isfinite(value):
                values.append(value)
            else:
                logger.warning(
                    "Writing an empty %s score for %s, whose score is %s",
                    name,
                    display_path(image_path),
                    value,
                )
                values.append(None)
        return values

    def _flush(self) -> None:
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())

    def _open_csv(self, appending: bool) -> IO:
        if not appending:
            return open(self.path, "w", newline="", encoding="utf-8")

        with open(self.path, newline="", encoding="utf-8") as file:
            header = next(csv.reader(file), [])
        if header != self.columns:
            raise ValueError(
                f"cannot resume {self.path}: its columns {header} differ from "
                f"{self.columns}. Write to a new file or use the model that wrote it."
            )
        _drop_incomplete_last_line(self.path)
        return open(self.path, "a", newline="", encoding="utf-8")

    def _open_json(self, appending: bool) -> IO:
        if not appending:
            file = open(self.path, "w+b")
            file.write(b"[\n]\n")
            self._json_end = 2
            return file

        records, end = _read_json_results(self.path)
        for record in records:
            if list(record) != self.columns:
                raise ValueError(
                    f"cannot resume {self.path}: a record has the keys {list(record)}, "
                    f"not {self.columns}. Write to a new file or use the model that "
                    "wrote it."
                )
        self._record_count = len(records)
        self._json_end = end
        return open(self.path, "r+b")

    def _write_json_record(
        self, path_text: str, values: list[float | None], error: str | None
    ) -> None:
        record: dict[str, object] = {PATH_COLUMN: path_text}
        for name, value in zip(self.attribute_names, values):
            record[name] = None if value is None else round(value, SCORE_DECIMALS)
        record[ERROR_COLUMN] = error
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)

        separator = ",\n" if self._record_count else ""
        body = (separator + text).encode("utf-8")
        self._file.seek(self._json_end)
        self._file.write(body + b"\n]\n")
        self._file.truncate()
        self._json_end += len(body)


def _format_score(value: float | None) -> str:
    return "" if value is None else f"{value:.{SCORE_DECIMALS}f}"


def _drop_incomplete_last_line(path: Path) -> None:
    """Cut a CSV file back to its last newline, dropping a row cut off by a crash."""
    with open(path, "r+b") as file:
        data = file.read()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        logger.warning(
            "Dropping the incomplete last line of %s: %r",
            display_path(path),
            data[keep:],
        )
        file.truncate(keep)


def _read_json_results(path: Path) -> tuple[list[dict], int]:
    """Return the records of a JSON result file and the offset after the last one.

    Raises:
        ValueError: if the file is not a JSON array of objects ending in ``]``.
    """
    data = Path(path).read_bytes()
    try:
        records = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a valid JSON result file ({error}). A crash during a "
            "write can cut it off: repair its end or write to a new file."
        ) from error
    if not isinstance(records, list) or not all(
        isinstance(record, dict) for record in records
    ):
        raise ValueError(f"{path} is not a JSON array of result objects")

    closing = data.rstrip().rfind(b"]")
    end = len(data[:closing].rstrip())
    return records, end


def read_scored_paths(path: str | os.PathLike[str], format: str) -> set[str]:
    """Return the image paths that have scores in a result file, to skip on resume.

    Rows with an error, a missing score or missing cells are left out, so resuming
    retries them. The paths are as written, that is after ``display_path``: compare
    ``display_path(image_path)`` against the returned set.

    Args:
        path: a CSV or JSON file written by ``ResultWriter``. A missing file gives an
            empty set.
        format: ``"csv"`` or ``"json"``.

    Raises:
        ValueError: if ``format`` is unknown or a JSON file is not valid.
    """
    path = Path(path)
    if format not in RESULT_FORMATS:
        raise ValueError(f"unknown result format {format!r}; use 'csv' or 'json'")
    if not path.exists():
        logger.info("No results at %s yet; every image will be scored", path)
        return set()

    if format == "json":
        records, _ = _read_json_results(path)
        rows = [list(record.items()) for record in records]
    else:
        with open(path, newline="", encoding="utf-8") as file:
            lines = list(csv.reader(file))
        if not lines:
            return set()
        header = lines[0]
        rows = [
            list(zip(header, line)) for line in lines[1:] if len(line) == len(header)
        ]

    scored = set()
    for row in rows:
        cells = dict(row)
        if cells.get(ERROR_COLUMN) or PATH_COLUMN not in cells:
            continue
        score_cells = [
            value for key, value in row if key not in (PATH_COLUMN, ERROR_COLUMN)
        ]
        if score_cells and all(_is_score(value) for value in score_cells):
            scored.add(str(cells[PATH_COLUMN]))
    return scored


def _is_score(value: object) -> bool:
    if value is None or value == "" or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def write_results_atomically(
    path: str | os.PathLike[str],
    rows: Iterable[ResultRow | tuple],
    attribute_names: Sequence[str],
    format: str,
) -> None:
    """Write a whole result table so that ``path`` is never seen half-written.

    The table goes to a temporary file in the same folder, is forced to disk and then
    renamed over ``path`` with ``os.replace``. On any error the temporary file is
    removed and ``path`` is left as it was.

    Args:
        path: the target file.
        rows: ``(image path, scores or None, error or None)`` per image.
        attribute_names: the attribute columns, in model-card order.
        format: ``"csv"`` or ``"json"``.

    Raises:
        ValueError: if ``format`` is unknown or a row's scores do not match the
            attribute columns.
        OSError: if the folder is not writable or the rename fails.
    """
    path = Path(path)
    if format not in RESULT_FORMATS:
        raise ValueError(f"unknown result format {format!r}; use 'csv' or 'json'")
    descriptor, temporary_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        with ResultWriter(temporary, attribute_names, format=format) as writer:
            for image_path, scores, error in rows:
                writer.write(image_path, scores, error)
        mode = path.stat().st_mode & 0o7777 if path.exists() else _NEW_FILE_MODE
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        logger.warning("Writing %s failed; removing %s", path, temporary)
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Force a rename in ``folder`` to disk, where the platform allows it (POSIX)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as error:
        logger.warning("Cannot open %s to sync the rename: %s", folder, error)
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        logger.warning("Syncing the folder %s failed: %s", folder, error)
    finally:
        os.close(descriptor)
