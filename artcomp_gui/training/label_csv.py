"""Readers for label CSV files: the AADB format and a generic path-plus-targets format.

Both readers report every malformed row at once, by line number as a text editor
shows it (the header is line 1), with the file, the column and what to change.
"""

from __future__ import annotations

import csv
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from artcomp_gui.training.label_table import LabelFileError, LabelTable

logger = logging.getLogger(__name__)

AADB_IMAGE_COLUMN = "ImageFile"

AADB_COLUMNS = {
    "BalacingElements": "balancing_elements",
    "ColorHarmony": "color_harmony",
    "Content": "content",
    "DoF": "depth_of_field",
    "Light": "light",
    "MotionBlur": "motion_blur",
    "Object": "object_emphasis",
    "Repetition": "repetition",
    "RuleOfThirds": "rule_of_thirds",
    "Symmetry": "symmetry",
    "VividColor": "vivid_color",
    "score": "score",
}
"""AADB column to attribute name. ``BalacingElements`` is the AADB files' spelling."""

AADB_COLUMN_ALIASES = {"BalancingElements": "balancing_elements"}
"""Other spellings of AADB columns that the reader also accepts."""

MAX_LISTED_PROBLEMS = 20
"""Problems listed in one error message; the rest are counted."""


@dataclass
class _Problems:
    """Problems found while reading one label file, grouped by kind."""

    path: Path
    invalid: list[str] = field(default_factory=list)
    missing_images: list[str] = field(default_factory=list)

    def check(self, skip_missing_images: bool) -> None:
        """Raise one error for all problems, or warn about skipped missing images."""
        sections = []
        if self.invalid:
            sections.append(
                _format_problems(
                    f"invalid rows or cells ({len(self.invalid)})",
                    self.invalid,
                    "Fix or remove these rows; leave a cell blank for no target.",
                )
            )
        if self.missing_images and not skip_missing_images:
            sections.append(
                _format_problems(
                    f"images that do not exist ({len(self.missing_images)})",
                    self.missing_images,
                    "Check the image folder, or pass skip_missing_images=True to "
                    "leave these rows out.",
                )
            )
        if sections:
            raise LabelFileError(f"{self.path} has problems.\n" + "\n".join(sections))
        if self.missing_images:
            logger.warning(
                "%s: leaving out %d rows whose image does not exist, first: %s",
                self.path,
                len(self.missing_images),
                self.missing_images[0],
            )
            warnings.warn(
                f"{self.path}: left out {len(self.missing_images)} rows whose image "
                f"does not exist, e.g. {self.missing_images[0]}",
                UserWarning,
                stacklevel=4,
            )


def _format_problems(summary: str, problems: list[str], advice: str) -> str:
    listed = problems[:MAX_LISTED_PROBLEMS]
    lines = [f"{summary}:"] + [f"  {problem}" for problem in listed]
    if len(problems) > len(listed):
        lines.append(f"  ... and {len(problems) - len(listed)} more")
    lines.append(advice)
    return "\n".join(lines)


def _parse_target(text: str) -> float | None:
    """Parse one target cell: NaN for blank, None when not a finite number."""
    stripped = text.strip()
    if not stripped:
        return math.nan
    try:
        value = float(stripped)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read the header and the (line number, fields) of every non-blank row."""
    if not path.is_file():
        raise FileNotFoundError(f"label file not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise LabelFileError(f"{path} is empty; expected a header row")
        rows = []
        for fields in reader:
            if not any(cell.strip() for cell in fields):
                continue
            rows.append((reader.line_num, fields))
    return [name.strip() for name in header], rows


def _read_table(
    path: Path,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    path_index: int,
    target_columns: list[tuple[int, str]],
    resolve: Callable[[str], Path],
    skip_missing_images: bool,
) -> LabelTable:
    """Turn parsed CSV rows into a ``LabelTable``, collecting every problem."""
    problems = _Problems(path)
    paths: list[Path] = []
    values: list[list[float]] = []
    first_line_of: dict[Path, int] = {}
    for line_number, fields in rows:
        if len(fields) != len(header):
            problems.invalid.append(
                f"line {line_number}: {len(fields)} fields, the header has "
                f"{len(header)} (quote values that contain commas)"
            )
            continue
        image_text = fields[path_index].strip()
        if not image_text:
            problems.invalid.append(
                f"line {line_number}: column {header[path_index]!r} is blank"
            )
            continue
        row_values = []
        row_valid = True
        for column_index, _ in target_columns:
            value = _parse_target(fields[column_index])
            if value is None:
                problems.invalid.append(
                    f"line {line_number} ({image_text}): column "
                    f"{header[column_index]!r} has {fields[column_index]!r}, which "
                    "is not a finite number"
                )
                row_valid = False
            row_values.append(math.nan if value is None else value)
        image_path = resolve(image_text)
        if image_path in first_line_of:
            problems.invalid.append(
                f"line {line_number}: {image_text} repeats line "
                f"{first_line_of[image_path]}"
            )
            continue
        first_line_of[image_path] = line_number
        if not row_valid:
            continue
        if not image_path.is_file():
            problems.missing_images.append(f"line {line_number}: {image_path}")
            continue
        paths.append(image_path)
        values.append(row_values)

    problems.check(skip_missing_images)
    names = [name for _, name in target_columns]
    array = np.array(values, dtype=np.float64).reshape(len(paths), len(names))
    logger.info(
        "read %d labelled images with %d attributes from %s",
        len(paths),
        len(names),
        path,
    )
    return LabelTable(paths, names, array)


def read_aadb_csv(
    csv_path: str | Path,
    image_dir: str | Path,
    skip_missing_images: bool = False,
) -> LabelTable:
    """Read an AADB-format label CSV.

    The header has ``ImageFile`` and any of the AADB columns ``BalacingElements``,
    ``ColorHarmony``, ``Content``, ``DoF``, ``Light``, ``MotionBlur``, ``Object``,
    ``Repetition``, ``RuleOfThirds``, ``Symmetry``, ``VividColor`` and ``score``,
    which become the snake_case names of ``AADB_COLUMNS``. Other columns are ignored
    with a warning. A blank cell means no target.

    Args:
        csv_path: the CSV file.
        image_dir: folder that the ``ImageFile`` names are relative to.
        skip_missing_images: leave out rows whose image does not exist, with a
            warning, instead of raising.

    Returns:
        Table with one row per image, columns in the CSV's order.

    Raises:
        FileNotFoundError: if the CSV file does not exist.
        LabelFileError: if the header lacks ``ImageFile`` or every AADB column, or
            rows are malformed, repeat an image, hold values that are not finite
            numbers, or (unless skipped) name missing images.
    """
    path = Path(csv_path)
    folder = Path(image_dir)
    header, rows = _read_rows(path)
    if AADB_IMAGE_COLUMN not in header:
        raise LabelFileError(
            f"{path}: header {header} has no {AADB_IMAGE_COLUMN!r} column; an AADB "
            f"label file starts with {AADB_IMAGE_COLUMN},"
            f"{','.join(AADB_COLUMNS)}"
        )
    known = AADB_COLUMNS | AADB_COLUMN_ALIASES
    target_columns = [
        (index, known[name]) for index, name in enumerate(header) if name in known
    ]
    if not target_columns:
        raise LabelFileError(
            f"{path}: header {header} has none of the AADB attribute columns "
            f"{list(AADB_COLUMNS)}"
        )
    unknown = [
        name for name in header if name not in known and name != AADB_IMAGE_COLUMN
    ]
    if unknown:
        warnings.warn(
            f"{path}: ignoring columns that are not AADB attributes: {unknown}",
            UserWarning,
            stacklevel=2,
        )
    return _read_table(
        path,
        header,
        rows,
        header.index(AADB_IMAGE_COLUMN),
        target_columns,
        lambda name: folder / name,
        skip_missing_images,
    )


def read_generic_csv(
    csv_path: str | Path,
    path_column: str | None = "path",
    skip_missing_images: bool = False,
) -> LabelTable:
    """Read a CSV of image paths and one numeric target column per attribute.

    Every column except the path column is an attribute, named by its header. A
    blank cell means that the image has no target for that attribute.

    Args:
        csv_path: the CSV file.
        path_column: header of the column of image paths, or None for the first
            column. Relative paths are relative to the CSV file's folder.
        skip_missing_images: leave out rows whose image does not exist, with a
            warning, instead of raising.

    Returns:
        Table with one row per image, attribute columns in the CSV's order.

    Raises:
        FileNotFoundError: if the CSV file does not exist.
        LabelFileError: if the path column is absent, attribute headers are blank
            or repeat, or rows are malformed, repeat an image, hold values that
            are not finite numbers, or (unless skipped) name missing images.
    """
    path = Path(csv_path)
    header, rows = _read_rows(path)
    if path_column is None:
        path_index = 0
    elif path_column in header:
        path_index = header.index(path_column)
    else:
        raise LabelFileError(
            f"{path}: header {header} has no {path_column!r} column; name the "
            "image path column in path_column, or pass path_column=None to use "
            "the first column"
        )
    target_columns = [
        (index, name) for index, name in enumerate(header) if index != path_index
    ]
    names = [name for _, name in target_columns]
    if not names:
        raise LabelFileError(
            f"{path}: header {header} has no attribute column besides the paths"
        )
    if any(not name for name in names):
        raise LabelFileError(
            f"{path}: header {header} has a blank column name; name every column"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LabelFileError(
            f"{path}: header repeats the columns {repeated}; give each a unique name"
        )
    folder = path.parent

    def resolve(text: str) -> Path:
        image_path = Path(text).expanduser()
        return image_path if image_path.is_absolute() else folder / image_path

    return _read_table(
        path, header, rows, path_index, target_columns, resolve, skip_missing_images
    )
