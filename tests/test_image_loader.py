"""Tests for artcomp_gui.image_loader on odd and broken files and on a painting."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artcomp_gui.image_loader import (
    BACKGROUND_RGB,
    IMAGE_EXTENSIONS,
    ImageLoadError,
    display_path,
    iter_image_paths,
    load_image,
)

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WIKIART_DIR = DATA_DIR / "wikiart224"

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
CYAN = (0, 255, 255)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
NON_UTF8_NAME = os.fsdecode(b"caf\xe9 \xff.png")


@dataclass
class Sample:
    """A generated input file and what ``load_image`` must make of it.

    Attributes:
        path: the file.
        size: expected (width, height) of the loaded image, or None for an error.
        pixels: ((x, y), rgb, tolerance) triples the loaded image must match.
        error: a phrase the ImageLoadError reason must contain, or None.
    """

    path: Path
    size: tuple[int, int] | None = None
    pixels: list[tuple[tuple[int, int], tuple[int, int, int], int]] = field(
        default_factory=list
    )
    error: str | None = None


def _two_halves(
    mode: str, size: tuple[int, int], left: object, right: object
) -> Image.Image:
    image = Image.new(mode, size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def _encoded(image: Image.Image, format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def write_samples(folder: Path) -> dict[str, Sample]:
    """Write at least 20 odd, damaged or non-image inputs into ``folder``.

    Returns:
        Sample name to Sample, for every case that behaves the same for any user
        (the unreadable-file and decompression-bomb cases have their own tests).
    """
    samples: dict[str, Sample] = {}
    folder.mkdir(parents=True, exist_ok=True)

    # Stored 60 x 40 with red on the left. Orientation 6 means "rotate 90 degrees
    # clockwise to display", so the displayed image is 40 x 60 with red on top.
    path = folder / "exif_rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    _two_halves("RGB", (60, 40), RED, BLUE).save(path, quality=95, exif=exif)
    samples["exif_rotated_jpeg"] = Sample(
        path, (40, 60), [((20, 5), RED, 40), ((20, 55), BLUE, 40)]
    )

    path = folder / "grey.png"
    Image.new("L", (30, 20), 100).save(path)
    samples["grey_l_png"] = Sample(path, (30, 20), [((5, 5), (100, 100, 100), 0)])

    path = folder / "grey_alpha.png"
    _two_halves("LA", (30, 20), (0, 0), (0, 255)).save(path)
    samples["grey_alpha_la_png"] = Sample(
        path, (30, 20), [((2, 2), BACKGROUND_RGB, 0), ((28, 2), BLACK, 0)]
    )

    path = folder / "palette_transparent.png"
    palette_image = _two_halves("P", (30, 20), 0, 1)
    palette_image.putpalette([*RED, *GREEN] + [0] * (254 * 3))
    palette_image.save(path, transparency=0)
    samples["palette_transparency_png"] = Sample(
        path, (30, 20), [((2, 2), BACKGROUND_RGB, 0), ((28, 2), GREEN, 0)]
    )

    # Red at alpha 128 over white: red stays 255, green and blue become 127.
    path = folder / "half_transparent.png"
    Image.new("RGBA", (30, 20), (255, 0, 0, 128)).save(path)
    samples["rgba_png"] = Sample(path, (30, 20), [((5, 5), (255, 127, 127), 1)])

    path = folder / "cmyk.jpg"
    Image.new("CMYK", (30, 20), (255, 0, 0, 0)).save(path, quality=95)
    samples["cmyk_jpeg"] = Sample(path, (30, 20), [((5, 5), CYAN, 8)])

    path = folder / "cmyk.tif"
    Image.new("CMYK", (30, 20), (255, 0, 0, 0)).save(path)
    samples["cmyk_tiff"] = Sample(path, (30, 20), [((5, 5), CYAN, 0)])

    # A 16-bit ramp 0..65535 along x. Clipping would turn everything above 255 white.
    path = folder / "ramp16.png"
    ramp = np.tile(np.linspace(0, 65535, 256).round().astype(np.uint16), (32, 1))
    Image.fromarray(ramp).save(path)
    samples["grey_16bit_png"] = Sample(
        path,
        (256, 32),
        [((0, 0), BLACK, 0), ((128, 0), (128, 128, 128), 1), ((255, 0), WHITE, 0)],
    )

    path = folder / "ramp16.tif"
    Image.fromarray(ramp).save(path)
    samples["grey_16bit_tiff"] = Sample(
        path, (256, 32), [((0, 0), BLACK, 0), ((128, 0), (128, 128, 128), 1)]
    )

    # Floats in 0..1 map to 0..255; floats outside it are stretched by their range.
    path = folder / "unit_float.tif"
    Image.fromarray(np.full((20, 30), 0.5, dtype=np.float32)).save(path)
    samples["float_unit_tiff"] = Sample(path, (30, 20), [((5, 5), (128, 128, 128), 1)])

    path = folder / "wide_float.tif"
    wide = np.tile(np.array([-1.0, 1.0, 3.0], dtype=np.float32), (4, 1))
    Image.fromarray(wide).save(path)
    samples["float_range_tiff"] = Sample(
        path,
        (3, 4),
        [((0, 0), BLACK, 0), ((1, 0), (128, 128, 128), 1), ((2, 0), WHITE, 0)],
    )

    path = folder / "bilevel.png"
    _two_halves("1", (30, 20), 0, 1).save(path)
    samples["bilevel_1bit_png"] = Sample(
        path, (30, 20), [((2, 2), BLACK, 0), ((28, 2), WHITE, 0)]
    )

    frames = [Image.new("RGB", (32, 24), color) for color in (RED, BLUE, GREEN)]
    path = folder / "animated.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    samples["animated_gif"] = Sample(path, (32, 24), [((5, 5), RED, 0)])

    path = folder / "animated.webp"
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=100, lossless=True
    )
    samples["animated_webp"] = Sample(path, (32, 24), [((5, 5), RED, 0)])

    path = folder / "plain.bmp"
    _two_halves("RGB", (30, 20), GREEN, BLUE).save(path)
    samples["bmp"] = Sample(path, (30, 20), [((2, 2), GREEN, 0), ((28, 2), BLUE, 0)])

    path = folder / "upper_case.JPG"
    Image.new("RGB", (30, 20), GREEN).save(path, "JPEG", quality=95)
    samples["upper_case_extension"] = Sample(path, (30, 20), [((5, 5), GREEN, 8)])

    path = folder / NON_UTF8_NAME
    Image.new("RGB", (30, 20), BLUE).save(path, "PNG")
    samples["non_utf8_name"] = Sample(path, (30, 20), [((5, 5), BLUE, 0)])

    noise = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    noise_image = Image.fromarray(noise)

    path = folder / "truncated.jpg"
    data = _encoded(noise_image, "JPEG", quality=90)
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_jpeg"] = Sample(path, error="truncated")

    path = folder / "truncated_header.jpg"
    path.write_bytes(data[:100])
    samples["truncated_jpeg_header"] = Sample(path, error="truncated")

    path = folder / "truncated.png"
    data = _encoded(noise_image, "PNG")
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_png"] = Sample(path, error="truncated")

    path = folder / "truncated.webp"
    data = _encoded(noise_image, "WEBP", quality=90)
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_webp"] = Sample(path, error="truncated")

    path = folder / "truncated.gif"
    data = _encoded(noise_image.convert("P"), "GIF")
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_gif"] = Sample(path, error="truncated")

    path = folder / "truncated.bmp"
    data = _encoded(noise_image, "BMP")
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_bmp"] = Sample(path, error="truncated")

    # LZW TIFF keeps its directory at the end, so cutting the file loses the header.
    path = folder / "truncated_lzw.tif"
    data = _encoded(noise_image, "TIFF", compression="tiff_lzw")
    path.write_bytes(data[: len(data) // 2])
    samples["truncated_tiff"] = Sample(path, error="starts like a TIFF file")

    path = folder / "empty.jpg"
    path.write_bytes(b"")
    samples["zero_bytes"] = Sample(path, error="empty (0 bytes)")

    path = folder / "notes.jpg"
    path.write_text("This is a text file, not a photograph.\n", encoding="utf-8")
    samples["text_named_jpg"] = Sample(path, error="not a JPEG, PNG, TIFF, WebP")

    # PPM is a format Pillow reads, but the loader opens only the six it supports.
    path = folder / "portable.jpg"
    Image.new("RGB", (30, 20), RED).save(path, "PPM")
    samples["ppm_named_jpg"] = Sample(path, error="not a JPEG, PNG, TIFF, WebP")

    path = folder / "folder.jpg"
    path.mkdir()
    samples["directory_named_jpg"] = Sample(path, error="directory")

    samples["missing_file"] = Sample(folder / "missing.png", error="does not exist")

    path = folder / "pipe.png"
    os.mkfifo(path)
    samples["fifo_named_png"] = Sample(path, error="not a regular file")

    path = folder / "broken_link.png"
    path.symlink_to(folder / "nowhere.png")
    samples["broken_symlink"] = Sample(path, error="does not exist")

    return samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    return write_samples(tmp_path_factory.mktemp("samples"))


def _sample_names() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        return sorted(write_samples(Path(folder)))


SAMPLE_NAMES = _sample_names()


def test_samples_cover_twenty_inputs() -> None:
    assert len(SAMPLE_NAMES) >= 20


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_load_image_sample(name: str, samples: dict[str, Sample]) -> None:
    sample = samples[name]
    if sample.error is not None:
        with pytest.raises(ImageLoadError) as caught:
            load_image(sample.path)
        error = caught.value
        assert sample.error in error.reason
        assert str(error).startswith(display_path(sample.path) + ": ")
        assert error.path == sample.path
        assert error.advice
        return

    image = load_image(sample.path)
    assert image.mode == "RGB"
    assert image.size == sample.size
    for (x, y), expected, tolerance in sample.pixels:
        actual = image.getpixel((x, y))
        difference = max(abs(a - e) for a, e in zip(actual, expected))
        assert difference <= tolerance, f"pixel ({x}, {y}) is {actual}, not {expected}"


def test_load_image_is_detached(samples: dict[str, Sample]) -> None:
    image = load_image(samples["bmp"].path)
    samples["bmp"].path.unlink()
    try:
        assert image.getpixel((2, 2)) == GREEN
    finally:
        _two_halves("RGB", (30, 20), GREEN, BLUE).save(samples["bmp"].path)


def test_load_image_bomb_over_double_limit(
    samples: dict[str, Sample], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200)
    with pytest.raises(ImageLoadError) as caught:
        load_image(samples["grey_l_png"].path)
    reason = caught.value.reason
    assert "600 pixels" in reason
    assert "limit of 200 pixels" in reason


def test_load_image_bomb_over_limit(
    samples: dict[str, Sample], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between one and two times the limit Pillow only warns, but the loader rejects.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    with pytest.raises(ImageLoadError) as caught:
        load_image(samples["grey_l_png"].path)
    reason = caught.value.reason
    assert "600 pixels" in reason
    assert "limit of 500 pixels" in reason


def test_load_image_within_limit(
    samples: dict[str, Sample], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 600)
    assert load_image(samples["grey_l_png"].path).size == (30, 20)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root reads files whatever their permission bits",
)
def test_load_image_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "locked.png"
    Image.new("RGB", (4, 4)).save(path)
    path.chmod(0)
    try:
        with pytest.raises(ImageLoadError) as caught:
            load_image(path)
    finally:
        path.chmod(0o644)
    assert "permission" in caught.value.reason


def test_load_image_truncated_size(samples: dict[str, Sample]) -> None:
    path = samples["truncated_png"].path
    size = path.stat().st_size
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    assert f"ended after {size:,} bytes" in caught.value.reason


def test_error_message_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / NON_UTF8_NAME
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "caf\\xe9 \\xff.png" in message
    message.encode("utf-8")


def test_display_path_non_utf8_to_csv(tmp_path: Path) -> None:
    text = display_path(tmp_path / NON_UTF8_NAME)
    target = tmp_path / "out.csv"
    with open(target, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerow([text])
    assert target.read_text(encoding="utf-8").strip().endswith("caf\\xe9 \\xff.png")


def test_display_path_control_characters() -> None:
    assert display_path("a\nb\t.jpg") == "a\\nb\\t.jpg"


def test_display_path_plain_unicode() -> None:
    assert display_path("Seerosen_Monet_é.jpg") == "Seerosen_Monet_é.jpg"


@pytest.mark.skipif(not WIKIART_DIR.is_dir(), reason=f"{WIKIART_DIR} not found")
def test_load_image_painting() -> None:
    painting = sorted((WIKIART_DIR / "impressionism").glob("*.jpg"))[0]
    image = load_image(painting)
    assert image.mode == "RGB"
    assert image.size == (224, 224)
    assert np.asarray(image).std() > 0


def test_image_extensions_lower_case() -> None:
    assert all(extension == extension.lower() for extension in IMAGE_EXTENSIONS)
    assert {".jpg", ".png", ".tif", ".webp", ".bmp", ".gif"} <= IMAGE_EXTENSIONS


def _touch_image(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4)).save(path, "PNG")


def test_iter_image_paths_folder_sorted(tmp_path: Path) -> None:
    for name in ("b.png", "a.JPG", "c.txt", "d.tiff", "sub/e.png"):
        _touch_image(tmp_path / name)
    found = list(iter_image_paths([tmp_path]))
    assert found == [tmp_path / "a.JPG", tmp_path / "b.png", tmp_path / "d.tiff"]


def test_iter_image_paths_recursive(tmp_path: Path) -> None:
    for name in ("z.png", "sub/e.png", "sub/deeper/f.png", "a_sub/g.png"):
        _touch_image(tmp_path / name)
    found = list(iter_image_paths([tmp_path], recursive=True))
    expected = ["z.png", "a_sub/g.png", "sub/e.png", "sub/deeper/f.png"]
    assert found == [tmp_path / name for name in expected]


def test_iter_image_paths_explicit_files(tmp_path: Path) -> None:
    named = [tmp_path / "notes.txt", tmp_path / "missing.png"]
    named[0].write_text("not an image", encoding="utf-8")
    assert list(iter_image_paths(named)) == named


def test_iter_image_paths_symlink_loop(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _touch_image(root / "a.png")
    _touch_image(root / "sub" / "b.png")
    (root / "sub" / "back_to_root").symlink_to(root)
    (root / "sub" / "self_loop").symlink_to(root / "sub" / "self_loop")
    (root / "again").symlink_to(root / "sub")

    found = list(iter_image_paths([root], recursive=True))

    assert found == [root / "a.png", root / "again" / "b.png"]


def test_iter_image_paths_non_utf8(tmp_path: Path) -> None:
    _touch_image(tmp_path / NON_UTF8_NAME)
    found = list(iter_image_paths([tmp_path]))
    assert found == [tmp_path / NON_UTF8_NAME]
    assert load_image(found[0]).size == (4, 4)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root lists folders whatever their permission bits",
)
def test_iter_image_paths_unreadable_subfolder(tmp_path: Path) -> None:
    _touch_image(tmp_path / "a.png")
    _touch_image(tmp_path / "locked" / "b.png")
    (tmp_path / "locked").chmod(0)
    try:
        found = list(iter_image_paths([tmp_path], recursive=True))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert found == [tmp_path / "a.png"]
