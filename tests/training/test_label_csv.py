"""AADB-format and generic label CSV readers on small files, including bad rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artcomp_gui.training.labels import (
    AADB_COLUMNS,
    LabelFileError,
    LabelTable,
    read_aadb_csv,
    read_generic_csv,
)

AADB_HEADER = "ImageFile," + ",".join(AADB_COLUMNS)


def make_images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.new("RGB", (8, 8), (10, 20, 30)).save(folder / name)


def aadb_row(name: str, first: str = "0.2") -> str:
    values = [first] + ["0.1"] * (len(AADB_COLUMNS) - 2) + ["0.65"]
    return ",".join([name] + values)


def test_aadb_reads_and_renames(tmp_path: Path):
    images = tmp_path / "images"
    make_images(images, ["a.jpg", "b.jpg"])
    csv_path = tmp_path / "train.csv"
    csv_path.write_text(
        "\n".join([AADB_HEADER, aadb_row("a.jpg"), aadb_row("b.jpg", "-0.4")]) + "\n"
    )
    table = read_aadb_csv(csv_path, images)
    assert table.paths == [images / "a.jpg", images / "b.jpg"]
    assert table.attribute_names == list(AADB_COLUMNS.values())
    assert table.attribute_names[0] == "balancing_elements"
    assert table.column("balancing_elements").tolist() == [0.2, -0.4]
    assert table.column("score").tolist() == [0.65, 0.65]
    assert table.values.shape == (2, 12)


def test_aadb_blank_cell_is_nan(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(AADB_HEADER + "\n" + aadb_row("a.jpg", "") + "\n")
    table = read_aadb_csv(csv_path, tmp_path)
    assert np.isnan(table.column("balancing_elements")[0])
    assert table.column("light")[0] == pytest.approx(0.1)


def test_aadb_invalid_number_names_row(tmp_path: Path):
    make_images(tmp_path, ["a.jpg", "b.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(
        "\n".join([AADB_HEADER, aadb_row("a.jpg"), aadb_row("b.jpg", "abc")]) + "\n"
    )
    with pytest.raises(LabelFileError) as error:
        read_aadb_csv(csv_path, tmp_path)
    message = str(error.value)
    assert "line 3 (b.jpg)" in message
    assert "'BalacingElements' has 'abc'" in message
    assert "leave a cell blank" in message


def test_aadb_missing_image_reported(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(
        "\n".join([AADB_HEADER, aadb_row("a.jpg"), aadb_row("gone.jpg")]) + "\n"
    )
    with pytest.raises(LabelFileError) as error:
        read_aadb_csv(csv_path, tmp_path)
    assert "line 3" in str(error.value)
    assert "gone.jpg" in str(error.value)
    assert "skip_missing_images=True" in str(error.value)


def test_aadb_missing_image_skipped(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(
        "\n".join([AADB_HEADER, aadb_row("a.jpg"), aadb_row("gone.jpg")]) + "\n"
    )
    with pytest.warns(UserWarning, match="left out 1 rows"):
        table = read_aadb_csv(csv_path, tmp_path, skip_missing_images=True)
    assert len(table) == 1


def test_aadb_wrong_field_count_names_line(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(AADB_HEADER + "\n" + "a.jpg,0.1,0.2\n")
    with pytest.raises(LabelFileError, match="line 2: 3 fields, the header has 13"):
        read_aadb_csv(csv_path, tmp_path)


def test_aadb_header_without_image_column(tmp_path: Path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,Light\na.jpg,0.1\n")
    with pytest.raises(LabelFileError, match="no 'ImageFile' column"):
        read_aadb_csv(csv_path, tmp_path)


def test_aadb_repeated_image_rejected(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("ImageFile,Light\na.jpg,0.1\na.jpg,0.3\n")
    with pytest.raises(LabelFileError, match="line 3: a.jpg repeats line 2"):
        read_aadb_csv(csv_path, tmp_path)


def test_aadb_unknown_column_warned(tmp_path: Path):
    make_images(tmp_path, ["a.jpg"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("ImageFile,Light,Mood\na.jpg,0.1,happy\n")
    with pytest.warns(UserWarning, match="Mood"):
        table = read_aadb_csv(csv_path, tmp_path)
    assert table.attribute_names == ["light"]


def test_generic_relative_and_absolute_paths(tmp_path: Path):
    make_images(tmp_path / "pics", ["a.png"])
    make_images(tmp_path / "elsewhere", ["b.png"])
    absolute = tmp_path / "elsewhere" / "b.png"
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(f"path,symmetry,light\npics/a.png,0.5,\n{absolute},,-0.25\n")
    table = read_generic_csv(csv_path)
    assert table.paths == [tmp_path / "pics" / "a.png", absolute]
    assert table.attribute_names == ["symmetry", "light"]
    assert table.values[0, 0] == 0.5
    assert np.isnan(table.values[0, 1])
    assert np.isnan(table.values[1, 0])
    assert table.values[1, 1] == -0.25


def test_generic_named_path_column(tmp_path: Path):
    make_images(tmp_path, ["a.png"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("light,file\n0.3,a.png\n")
    table = read_generic_csv(csv_path, path_column="file")
    assert table.attribute_names == ["light"]
    assert table.paths == [tmp_path / "a.png"]


def test_generic_first_column_paths(tmp_path: Path):
    make_images(tmp_path, ["a.png"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("image,light\na.png,0.3\n")
    table = read_generic_csv(csv_path, path_column=None)
    assert table.paths == [tmp_path / "a.png"]


def test_generic_missing_path_column(tmp_path: Path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("image,light\na.png,0.3\n")
    with pytest.raises(LabelFileError, match="path_column=None"):
        read_generic_csv(csv_path)


def test_generic_lists_every_bad_row(tmp_path: Path):
    make_images(tmp_path, ["a.png", "b.png", "c.png"])
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,light\na.png,0.1\nb.png,inf\nc.png,0.2,extra\n,0.4\n")
    with pytest.raises(LabelFileError) as error:
        read_generic_csv(csv_path)
    message = str(error.value)
    assert "line 3 (b.png): column 'light' has 'inf'" in message
    assert "line 4: 3 fields, the header has 2" in message
    assert "line 5: column 'path' is blank" in message


def test_generic_repeated_header_rejected(tmp_path: Path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,light,light\na.png,0.1,0.2\n")
    with pytest.raises(LabelFileError, match="repeats the columns"):
        read_generic_csv(csv_path)


def test_generic_empty_file_rejected(tmp_path: Path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("")
    with pytest.raises(LabelFileError, match="empty"):
        read_generic_csv(csv_path)


def test_csv_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        read_generic_csv(tmp_path / "nothing.csv")


def test_label_table_shape_checked():
    with pytest.raises(ValueError, match="shape"):
        LabelTable([Path("a.png")], ["light"], np.zeros((2, 1)))
