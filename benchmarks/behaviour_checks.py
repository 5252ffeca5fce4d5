"""Behaviour checks of the trained heads on paintings they were never trained on.

Three edits whose effect on an attribute is known in advance:

1. Desaturating a painting (PIL ImageEnhance.Color factor 0) must lower Vivid Color.
2. A horizontal flip must move no attribute by more than 0.05.
3. Blurring the border (Gaussian, radius 4 px at 224 px) while the central half stays
   sharp must raise Depth of Field.

Goals: 1 in at least 95% of paintings, 2 in at least 95%, 3 in at least 90%. The
paintings are the model's held-out list (``holdout_images.txt`` beside the card),
with their letterbox bars trimmed as in training.

Usage::

    python benchmarks/behaviour_checks.py --paintings DATA/wikiart224 [--flip-average]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from artcomp_gui.image_loader import load_image
from artcomp_gui.model import load_model
from artcomp_gui.model.weights import bundled_weights_dir
from artcomp_gui.training.borders import trim_uniform_border

FLIP_TOLERANCE = 0.05
GOALS = {
    "desaturate_lowers_vivid_color": 0.95,
    "flip_moves_little": 0.95,
    "border_blur_raises_depth_of_field": 0.90,
}


def blur_border(image: Image.Image) -> Image.Image:
    """Blur everything outside the central half of the image (by side length)."""
    radius = max(1.0, 4.0 * max(image.size) / 224)
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    width, height = image.size
    box = (width // 4, height // 4, width - width // 4, height - height // 4)
    blurred.paste(image.crop(box), box[:2])
    return blurred


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--paintings",
        type=Path,
        required=True,
        help="folder the held-out list is relative to",
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="model folder (default: bundled)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="check only the first N held-out paintings",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the results here"
    )
    parser.add_argument(
        "--flip-average",
        action="store_true",
        help="score each image with its mirror image averaged in",
    )
    args = parser.parse_args(argv)

    folder = args.model or bundled_weights_dir()
    model = load_model(folder, device="cpu", flip_average=args.flip_average)
    names = (folder / "holdout_images.txt").read_text("utf-8").split("\n")
    names = [name for name in names if name][: args.limit]

    passed = {goal: 0 for goal in GOALS}
    flip_shift = []
    for index, name in enumerate(names, start=1):
        image = trim_uniform_border(load_image(args.paintings / name))
        edits = [
            image,
            ImageEnhance.Color(image).enhance(0.0),
            image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            blur_border(image),
        ]
        original, grey, flipped, soft = (p.scores for p in model.predict(edits))

        passed["desaturate_lowers_vivid_color"] += (
            grey["vivid_color"] < original["vivid_color"]
        )
        shift = max(abs(flipped[a] - original[a]) for a in original)
        flip_shift.append(shift)
        passed["flip_moves_little"] += shift <= FLIP_TOLERANCE
        passed["border_blur_raises_depth_of_field"] += (
            soft["depth_of_field"] > original["depth_of_field"]
        )
        if index % 50 == 0:
            print(f"{index} of {len(names)} paintings checked", file=sys.stderr)

    results = {
        "model": model.card.name,
        "flip_average": args.flip_average,
        "paintings": len(names),
        "checks": {
            goal: {
                "share": passed[goal] / len(names),
                "goal": GOALS[goal],
                "met": passed[goal] / len(names) >= GOALS[goal],
            }
            for goal in GOALS
        },
        "flip_shift_median": float(np.median(flip_shift)),
        "flip_shift_95th_percentile": float(np.percentile(flip_shift, 95)),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
