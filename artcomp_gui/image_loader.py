"""Decode an image file into an 8-bit RGB picture, with errors that state the fix.

The GUI, the command-line scorer and training all read images through ``load_image``,
so every part of the program sees the same pixels for the same file. Only the six
formats in ``SUPPORTED_FORMATS`` are opened. Pillow's other parsers are never tried,
because some of them run external programs (EPS calls Ghostscript).
"""

from __future__ import annotations

import logging
import os
import re
import stat
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Transparent pixels are composited onto white, the background a viewer shows for a
# transparent PNG or GIF on a web page or in a document.
BACKGROUND_RGB = (255, 255, 255)

SUPPORTED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP", "GIF")
IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".tif",
        ".tiff",
        ".webp",
        ".bmp",
        ".gif",
    }
)

# Leading bytes of each supported format, used to tell a damaged image file from a file
# that is not an image at all when Pillow cannot identify it.
_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_BOMB_PIXELS_PATTERN = re.compile(r"\((\d+) pixels\)")
_ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})
_RE_EXPORT = "Re-export or re-download it."
_PASS_FILE = "Pass an image file inside it."


class ImageLoadError(Exception):
    """An image file that cannot be decoded, with the reason and what to do about it.

    Attributes:
        path: the file as given to ``load_image``.
        reason: what is wrong, without the file name, e.g. ``"the file is empty"``.
        advice: what the user can do, e.g. ``"Re-export or re-download it."``.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, advice: str) -> None:
        self.path = Path(path)
        self.reason = reason
        self.advice = advice
        super().__init__(f"{display_path(self.path)}: {reason}. {advice}")


def display_path(path: str | os.PathLike[str]) -> str:
    """Return ``path`` as text that is safe to print, log or write to a CSV file.

    On Linux a file name that is not valid UTF-8 reaches Python as a ``str`` with
    surrogate escapes, and encoding it for output raises ``UnicodeEncodeError``. Those
    bytes come out as ``\\xNN`` here, and other unprintable characters (newline, tab)
    as Python escapes. The result is for people to read. Two different names can map
    to the same text, so do not open files by it.
    """
    raw = os.fsencode(os.fspath(path))
    text = raw.decode("utf-8", errors="backslashreplace")
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def load_image(path: str | os.PathLike[str]) -> Image.Image:
    """Decode an image file into a fully loaded 8-bit RGB image.

    The EXIF orientation is applied. Transparency is composited onto
    ``BACKGROUND_RGB``. Animated GIF, WebP and PNG files and multi-page TIFF files give
    their first frame. 16-bit and floating-point images are scaled to 0..255 as
    described in ``_scale_to_8bit``. Colours are converted without the embedded ICC
    profile.

    Args:
        path: a JPEG, PNG, TIFF, WebP, BMP or GIF file.

    Returns:
        An RGB image of the file's displayed size (width and height swap for EXIF
        orientations 5 to 8), detached from the file.

    Raises:
        ImageLoadError: for every failure: a missing or unreadable file, a directory,
            an empty, truncated or damaged file, a file in another format, an image
            over ``PIL.Image.MAX_IMAGE_PIXELS``, or a colour mode with no RGB form.
            Truncated files are detected only while
            ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` keeps its default, False. A PNG
            that lacks only its final IEND chunk loads, because no pixel is missing.
    """
    path = Path(path)
    try:
        return _load_image(path)
    except ImageLoadError as error:
        logger.debug("Cannot load %s", error)
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes ImageLoadError
        # Pillow's decoders raise many exception types (SyntaxError, struct.error,
        # ValueError, MemoryError) for damaged files.
        logger.warning(
            "Decoding %s failed: %s: %s",
            display_path(path),
            type(error).__name__,
            error,
        )
        raise ImageLoadError(
            path, f"decoding failed ({type(error).__name__}: {error})", _RE_EXPORT
        ) from error


def _load_image(path: Path) -> Image.Image:
    file_size = _check_regular_file(path)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as error:
        raise _error_from_os_error(path, error) from error

    try:
        image = _open_and_decode(path, file, file_size)
        image = _apply_exif_orientation(path, image)
        return _to_rgb(path, image)
    finally:
        file.close()


def _check_regular_file(path: Path) -> int:
    """Return the size in bytes of ``path`` after checking it is a non-empty file."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise _error_from_os_error(path, error) from error

    if stat.S_ISDIR(status.st_mode):
        raise ImageLoadError(path, "it is a directory, not an image file", _PASS_FILE)
    if not stat.S_ISREG(status.st_mode):
        # Reading a FIFO or a device could block forever, so it is never opened.
        raise ImageLoadError(
            path,
            "it is not a regular file (a FIFO, socket or device)",
            "Pass an image file.",
        )
    if status.st_size == 0:
        raise ImageLoadError(path, "the file is empty (0 bytes)", _RE_EXPORT)
    return status.st_size


def _error_from_os_error(path: Path, error: OSError) -> ImageLoadError:
    if isinstance(error, FileNotFoundError):
        return ImageLoadError(path, "the file does not exist", "Check the path.")
    if isinstance(error, PermissionError):
        return ImageLoadError(
            path,
            "permission to read the file was denied",
            "Make it readable by this user (for example chmod +r).",
        )
    if isinstance(error, IsADirectoryError):
        return ImageLoadError(path, "it is a directory, not an image file", _PASS_FILE)
    return ImageLoadError(
        path, f"reading the file failed ({error.strerror or error})", "Check the file."
    )


def _open_and_decode(path: Path, file: BinaryIO, file_size: int) -> Image.Image:
    """Open ``file`` with Pillow and decode its first frame, mapping Pillow's errors."""
    # NOTE: warnings.catch_warnings changes process-wide state and is not thread-safe,
    # so a warning raised in another thread at the same moment can be logged here,
    # against this file.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = Image.open(file, formats=SUPPORTED_FORMATS)
            _check_pixel_limit(path, image.width * image.height, caught)
            image.load()
        except Image.DecompressionBombError as error:
            match = _BOMB_PIXELS_PATTERN.search(str(error))
            pixels = int(match.group(1)) if match else None
            raise _bomb_error(path, pixels) from error
        except UnidentifiedImageError as error:
            raise _unidentified_error(path, file_size) from error
        except OSError as error:
            if "truncated" in str(error).lower():
                raise _truncated_error(path, file_size) from error
            if _declared_size(path) > file_size:
                raise _truncated_error(path, file_size) from error
            raise

    for warning in caught:
        logger.warning(
            "Decoding %s: %s: %s",
            display_path(path),
            warning.category.__name__,
            warning.message,
        )
    return image


def _check_pixel_limit(path: Path, pixels: int, caught: list) -> None:
    """Raise if Pillow warned about a decompression bomb while opening the file.

    Pillow raises ``DecompressionBombError`` above twice ``MAX_IMAGE_PIXELS`` but only
    warns between one and two times the limit. Both are errors here.
    """
    for warning in caught:
        if issubclass(warning.category, Image.DecompressionBombWarning):
            raise _bomb_error(path, pixels)


def _bomb_error(path: Path, pixels: int | None) -> ImageLoadError:
    limit = Image.MAX_IMAGE_PIXELS
    size = f"{pixels:,} pixels" if pixels is not None else "more pixels"
    return ImageLoadError(
        path,
        f"the image has {size}, more than the decompression-bomb limit of "
        f"{limit:,} pixels (PIL.Image.MAX_IMAGE_PIXELS)",
        "Downscale it, or raise PIL.Image.MAX_IMAGE_PIXELS if you trust the file.",
    )


def _truncated_error(path: Path, file_size: int) -> ImageLoadError:
    return ImageLoadError(
        path, f"the file is truncated (ended after {file_size:,} bytes)", _RE_EXPORT
    )


def _unidentified_error(path: Path, file_size: int) -> ImageLoadError:
    header = _read_header(path, 16)
    detected = _detect_format(header)
    if detected is None:
        return ImageLoadError(
            path,
            "it is not a JPEG, PNG, TIFF, WebP, BMP or GIF image",
            "Convert it to one of these formats.",
        )
    if _declared_size(path) > file_size:
        return _truncated_error(path, file_size)
    return ImageLoadError(
        path,
        f"it starts like a {detected} file, but its header is damaged or cut short "
        f"({file_size:,} bytes)",
        _RE_EXPORT,
    )


def _read_header(path: Path, length: int) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(length)
    except OSError as error:
        logger.warning("Reading the header of %s failed: %s", display_path(path), error)
        return b""


def _detect_format(header: bytes) -> str | None:
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WebP"
    for signature, name in _SIGNATURES:
        if header.startswith(signature):
            return name
    return None


def _declared_size(path: Path) -> int:
    """Return the file length a WebP or BMP header declares, or 0 for other files."""
    header = _read_header(path, 16)
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        # The RIFF size field counts every byte after the 8-byte chunk header.
        return int.from_bytes(header[4:8], "little") + 8
    if header[:2] == b"BM" and len(header) >= 6:
        return int.from_bytes(header[2:6], "little")
    return 0


def _apply_exif_orientation(path: Path, image: Image.Image) -> Image.Image:
    """Rotate or flip ``image`` as its EXIF orientation tag specifies."""
    try:
        rotated = ImageOps.exif_transpose(image)
    except Exception as error:  # noqa: BLE001 - a damaged EXIF block keeps the pixels
        logger.warning(
            "Ignoring the EXIF orientation of %s, which cannot be read: %s: %s",
            display_path(path),
            type(error).__name__,
            error,
        )
        return image
    return rotated if rotated is not None else image


def _to_rgb(path: Path, image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency onto white."""
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        return _scale_to_8bit(image).convert("RGB")

    has_transparency = mode in _ALPHA_MODES or "transparency" in image.info
    if has_transparency:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND_RGB, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")

    try:
        return image.convert("RGB")
    except ValueError as error:
        raise ImageLoadError(
            path,
            f"its colour mode {mode} has no conversion to RGB",
            "Convert it to RGB in an image editor.",
        ) from error


def _scale_to_8bit(image: Image.Image) -> Image.Image:
    """Scale a 16-bit, 32-bit integer or floating-point image to 8-bit grey ("L").

    The values are rescaled, never clipped:

    * ``I;16`` variants: the full 16-bit range 0..65535 maps to 0..255, so exposure is
      kept.
    * ``I`` (32-bit integer): the same as 16-bit when every value is in 0..65535,
      because PNG and TIFF readers store 16-bit data in this mode. Otherwise the
      image's own minimum..maximum maps to 0..255.
    * ``F`` (32-bit float): 0..1 maps to 0..255 when every finite value is in 0..1.
      Otherwise the image's own finite minimum..maximum maps to 0..255. NaN becomes 0.

    A constant image outside those fixed ranges comes out black.
    """
    values = np.asarray(image).astype(np.float64)
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 0.0

    if image.mode.startswith("I;16"):
        low, high = 0.0, 65535.0
    elif image.mode == "I" and low >= 0 and high <= 65535:
        low, high = 0.0, 65535.0
    elif image.mode == "F" and low >= 0 and high <= 1:
        low, high = 0.0, 1.0

    values = np.nan_to_num(values, nan=low, posinf=high, neginf=low)
    if high > low:
        scaled = (values - low) * (255.0 / (high - low))
    else:
        scaled = np.zeros_like(values)
    return Image.fromarray(np.rint(scaled).astype(np.uint8), mode="L")


def iter_image_paths(
    paths: Iterable[str | os.PathLike[str]], recursive: bool = False
) -> Iterator[Path]:
    """Yield the image files named by ``paths``, walking folders in sorted order.

    A path that is not a folder is yielded as given, whatever its extension and even
    if it does not exist, so that a scorer reports a result or an error for it. In a
    folder, entries other than folders whose extension (case-insensitive) is in
    ``IMAGE_EXTENSIONS`` are yielded in name order, broken links included. With
    ``recursive``, subfolders are walked depth-first in name order too. Symbolic links
    to folders are followed, but a folder reached again (a link loop) is skipped.
    Unreadable folders are logged and skipped.

    Args:
        paths: files and folders.
        recursive: also walk subfolders of each folder.

    Yields:
        Paths of files to load, each folder's files before its subfolders' files.
    """
    visited: set[tuple[int, int]] = set()
    for argument in paths:
        path = Path(argument)
        try:
            is_folder = path.is_dir()
        except OSError as error:
            # The loader reports the same error for this path in its result.
            logger.warning("Cannot check %s: %s", display_path(path), error)
            is_folder = False
        if is_folder:
            yield from _walk_folder(path, recursive, visited)
        else:
            yield path


def _walk_folder(
    root: Path, recursive: bool, visited: set[tuple[int, int]]
) -> Iterator[Path]:
    # An explicit stack, not recursion, so deep trees cannot hit the recursion limit.
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            status = os.stat(folder)
        except OSError as error:
            logger.warning("Skipping folder %s: %s", display_path(folder), error)
            continue
        key = (status.st_dev, status.st_ino)
        if key in visited:
            logger.info("Skipping %s, a folder walked before", display_path(folder))
            continue
        visited.add(key)

        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            logger.warning(
                "Skipping unreadable folder %s: %s", display_path(folder), error
            )
            continue

        subfolders = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError as error:
                # A symbolic link to itself raises ELOOP here.
                logger.warning("Skipping %s: %s", display_path(entry.path), error)
                continue
            if is_folder:
                subfolders.append(Path(entry.path))
            elif os.path.splitext(entry.name)[1].lower() in IMAGE_EXTENSIONS:
                yield Path(entry.path)

        if recursive:
            stack.extend(reversed(subfolders))
