"""``artcomp score``: score files and folders into a CSV or JSON file, with progress.

Results are written as they come and flushed per image, so an interrupted run leaves a
valid partial file, and ``--resume`` skips the images it already holds.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from artcomp_gui.image_loader import display_path, iter_image_paths
from artcomp_gui.results import (
    RESULT_FORMATS,
    ResultWriter,
    read_scored_paths,
    result_format_for,
)
from artcomp_gui.scoring import DEFAULT_BATCH_SIZE, iter_scores

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
DEFAULT_HEATMAP_COLORMAP = "RdBu_r"
DEFAULT_HEATMAP_OPACITY = 0.6


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def add_score_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="image files or folders to score"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="result file; one row per image: path, one column per attribute, error",
    )
    parser.add_argument(
        "--format",
        choices=RESULT_FORMATS,
        default=None,
        help="result format (default: json for a .json output name, else csv)",
    )
    parser.add_argument(
        "-r", "--recursive", action="store_true", help="also score images in subfolders"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the rows already in the output file and skip the images they scored; "
        "images that failed before are retried",
    )
    parser.add_argument(
        "--heatmaps",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write one PNG per image and attribute: the image with its activation "
        "map overlaid",
    )
    parser.add_argument(
        "--flip-average",
        action="store_true",
        help="average each image's scores with its mirror image's, so a horizontal "
        "flip cannot change them (twice the compute)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"images per forward pass (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--workers",
        type=non_negative_int,
        default=None,
        help="image-decoding processes; 0 decodes in the main process (default: cores - 1, at most 4)",
    )


def run_score(args: argparse.Namespace) -> int:
    """Score ``args.paths``; return 0 if every image was scored, 1 if some failed."""
    from artcomp_gui.model import load_model

    from artcomp_gui.model.device import select_device

    result_format = args.format or result_format_for(args.output)
    paths = list(iter_image_paths(args.paths, recursive=args.recursive))
    problem = check_output_paths(args, paths)
    if problem is None:
        try:
            select_device(args.device)
        except ValueError as error:
            problem = str(error)
    if problem is not None:
        print(f"artcomp score: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not paths:
        print("artcomp score: no image files found in the given paths", file=sys.stderr)

    if args.resume:
        done = read_scored_paths(args.output, result_format)
        before = len(paths)
        paths = [path for path in paths if display_path(path) not in done]
        print(
            f"resuming: {before - len(paths)} images already scored in {args.output}",
            file=sys.stderr,
        )
    if args.heatmaps is not None:
        args.heatmaps.mkdir(parents=True, exist_ok=True)
    heatmap_names: set[str] = set()

    model = load_model(args.model, args.device, flip_average=args.flip_average)
    print(
        f"scoring {len(paths)} images on {model.device_name} with {model.card.name}",
        file=sys.stderr,
    )

    # A model with an overall score gets it as one more column after the attributes.
    overall = model.card.overall
    columns = model.attribute_names + ([overall.name] if overall else [])
    failed = 0
    with (
        ResultWriter(args.output, columns, result_format, resume=args.resume) as writer,
        tqdm(
            total=len(paths), unit="image", file=sys.stderr, dynamic_ncols=True
        ) as bar,
    ):
        for result in iter_scores(
            model, paths, batch_size=args.batch_size, num_workers=args.workers
        ):
            scores = result.scores
            if scores is not None and overall is not None:
                scores = {**scores, overall.name: result.overall}
            writer.write(result.path, scores, result.error)
            if result.ok and args.heatmaps is not None:
                write_heatmaps(result, model, args.heatmaps, heatmap_names)
            if not result.ok:
                failed += 1
                tqdm.write(result.error, file=sys.stderr)
            bar.update(1)
            bar.set_postfix(failed=failed)

    scored = len(paths) - failed
    print(
        f"scored {scored} of {len(paths)} images, {failed} failed; results in {args.output}",
        file=sys.stderr,
    )
    return 1 if failed else 0


def check_output_paths(args: argparse.Namespace, inputs: list[Path]) -> str | None:
    """Return why the output or heatmap folder cannot be used, or None if they can.

    The result file must not be an input image, which writing would overwrite, nor a
    folder, and its folder must exist.
    """
    output = args.output
    if output.is_dir():
        return f"--output {output} is a folder; give a file name such as scores.csv"
    if not output.resolve().parent.is_dir():
        return f"--output {output}: folder {output.resolve().parent} does not exist"
    resolved = output.resolve()
    for path in inputs:
        if path.resolve() == resolved:
            return f"--output {output} is one of the images to score; it would be overwritten"
    heatmaps = args.heatmaps
    if heatmaps is not None and heatmaps.exists() and not heatmaps.is_dir():
        return f"--heatmaps {heatmaps} is a file; give a folder"
    return None


def write_heatmaps(result, model, folder: Path, used_names: set[str]) -> None:
    """Write the heatmap PNGs of one scored image; failures are reported, not raised."""
    from artcomp_gui.ui.heatmap_export import HeatmapStyle, export_heatmaps

    style = HeatmapStyle(
        DEFAULT_HEATMAP_COLORMAP, DEFAULT_HEATMAP_OPACITY, fade_near_zero=True
    )
    outcome = export_heatmaps(
        [result], model.card.attributes, folder, style, used_names=used_names
    )
    for message in outcome.errors:
        tqdm.write(message, file=sys.stderr)
