"""Heatmap PNGs of scored images: the image with one attribute's overlay and a legend.

Qt-free, so it runs on a worker thread and from scripts. Each PNG has the image,
blended with the attribute's activation map at the chosen opacity, above a band with
the colour ramp, its values and the attribute's score.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from artcomp_gui.image_loader import ImageLoadError, display_path, load_image
from artcomp_gui.model import AttributeSpec
from artcomp_gui.scoring import ScoredImage
from artcomp_gui.ui.heatmap_overlay import (
    blend,
    color_scale_for,
    colormap_lut,
    format_value,
    render_heatmap,
)

logger = logging.getLogger(__name__)

# Exported images are downscaled to this long side, so a folder of 40-megapixel
# photographs does not produce gigabytes of PNGs. The maps hold no finer detail.
MAX_EXPORT_SIDE = 2048
LEGEND_HEIGHT_FRACTION = 0.09
MIN_LEGEND_HEIGHT = 40


@dataclass(frozen=True)
class HeatmapStyle:
    """Overlay appearance of exported heatmaps, taken from the view's settings.

    Attributes:
        colormap: matplotlib colormap name.
        opacity: overlay opacity, 0 to 1.
        fade_near_zero: alpha follows the map's magnitude (see ``render_heatmap``).
    """

    colormap: str
    opacity: float
    fade_near_zero: bool


@dataclass(frozen=True)
class ExportOutcome:
    """Files written and failures of one export run.

    Attributes:
        written: the PNG files written.
        errors: one message per image that could not be exported, naming the file.
        stopped: whether the run was cancelled before the last image.
    """

    written: list[Path]
    errors: list[str]
    stopped: bool


def export_heatmaps(
    results: Sequence[ScoredImage],
    specs: Sequence[AttributeSpec],
    folder: Path,
    style: HeatmapStyle,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
    used_names: set[str] | None = None,
) -> ExportOutcome:
    """Write one PNG per scored image and attribute, named ``<stem>_<attribute>.png``.

    Images with an error or no maps are skipped with a message in ``errors``. A name
    already written in this run gets a ``_2``, ``_3`` suffix, so images with the
    same name from different folders do not overwrite each other. Existing files
    from earlier runs are replaced.

    Args:
        results: scored images with their activation maps.
        specs: the attributes to export, in card order.
        folder: existing output folder.
        style: colormap, opacity and fading of the overlay.
        should_stop: polled before each image.
        on_progress: called with (images done, total) after each image.
        used_names: file names already written, for callers that export in several
            calls into one folder; names added here are added to it.
    """
    written: list[Path] = []
    errors: list[str] = []
    used_names = set() if used_names is None else used_names
    total = len(results)
    for done, result in enumerate(results, start=1):
        if should_stop():
            logger.info("Heatmap export stopped after %d of %d images", done - 1, total)
            return ExportOutcome(written, errors, stopped=True)
        if result.maps is None or result.scores is None:
            errors.append(result.error or f"{display_path(result.path)}: not scored")
        else:
            try:
                written += _export_one(result, specs, folder, style, used_names)
            except ImageLoadError as error:
                errors.append(str(error))
            except OSError as error:
                logger.exception(
                    "Writing heatmaps of %s failed", display_path(result.path)
                )
                errors.append(
                    f"{display_path(result.path)}: writing its heatmaps failed "
                    f"({error.strerror or error})"
                )
        on_progress(done, total)
    return ExportOutcome(written, errors, stopped=False)


def _export_one(
    result: ScoredImage,
    specs: Sequence[AttributeSpec],
    folder: Path,
    style: HeatmapStyle,
    used_names: set[str],
) -> list[Path]:
    image = load_image(result.path)
    if max(image.size) > MAX_EXPORT_SIDE:
        image.thumbnail((MAX_EXPORT_SIDE, MAX_EXPORT_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(image)
    written = []
    for index, spec in enumerate(specs):
        activation_map = result.maps[index]
        scale = color_scale_for(activation_map, style.colormap)
        overlay = render_heatmap(
            activation_map, image.size, scale, style.fade_near_zero
        )
        composite = Image.fromarray(blend(pixels, overlay, style.opacity))
        score = result.scores.get(spec.name)
        caption = spec.label if score is None else f"{spec.label}  {score:+.2f}"
        page = _with_legend(
            composite, scale.low, scale.high, scale.centred, style, caption
        )

        name = _unique_name(f"{result.path.stem}_{spec.name}", used_names)
        target = folder / f"{name}.png"
        page.save(target, format="PNG")
        written.append(target)
    logger.info("Wrote %d heatmaps of %s", len(specs), display_path(result.path))
    return written


def _unique_name(name: str, used: set[str]) -> str:
    candidate = name
    counter = 2
    while candidate in used:
        candidate = f"{name}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def _with_legend(
    composite: Image.Image,
    low: float,
    high: float,
    centred: bool,
    style: HeatmapStyle,
    caption: str,
) -> Image.Image:
    """Append a band with the caption, the colour ramp and its values under the image."""
    width, height = composite.size
    band = max(MIN_LEGEND_HEIGHT, round(height * LEGEND_HEIGHT_FRACTION))
    page = Image.new("RGB", (width, height + band), (255, 255, 255))
    page.paste(composite, (0, 0))

    font_size = max(10, band // 4)
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(
            size=font_size
        )
    except (TypeError, ImportError):
        # Pillow before 10.1, or built without FreeType, has one small bitmap font.
        font = ImageFont.load_default()
    draw = ImageDraw.Draw(page)
    margin = max(4, width // 50)
    ramp_top = height + band // 2 - font_size // 4
    ramp_height = max(4, band // 5)
    ramp_width = max(1, width - 2 * margin)

    lut = colormap_lut(style.colormap)[:, :3]
    positions = np.linspace(0, len(lut) - 1, ramp_width).round().astype(int)
    ramp = np.repeat(lut[positions][None], ramp_height, axis=0)
    page.paste(Image.fromarray(np.ascontiguousarray(ramp)), (margin, ramp_top))

    draw.text((margin, height + 2), caption, fill=(0, 0, 0), font=font)
    middle = 0.0 if centred else (low + high) / 2
    label_top = ramp_top + ramp_height + 1
    draw.text((margin, label_top), format_value(low), fill=(0, 0, 0), font=font)
    draw.text(
        (width // 2, label_top),
        format_value(middle),
        fill=(0, 0, 0),
        font=font,
        anchor="ma",
    )
    draw.text(
        (width - margin, label_top),
        format_value(high),
        fill=(0, 0, 0),
        font=font,
        anchor="ra",
    )
    return page
