"""Reader for the AVT image DB rater decisions (rule of thirds, simplicity).

The annotations were published with S. Göring et al., "Rule of Thirds and Simplicity
for Image Aesthetics using Deep Neural Networks" (2021), for the AVT image DB of
S. Göring and A. Raake (EUVIP 2019). Five raters, E1 to E5, gave a yes or no
decision per photograph. Their ``simplicity`` is this project's ``object_emphasis``.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from artcomp_gui.training.label_table import LabelFileError, LabelTable

logger = logging.getLogger(__name__)

AVT_ANNOTATION_FILES = {
    "rule_of_thirds": "rule_of_thirds",
    "object_emphasis": "simplicity",
}
"""Attribute name to the file stem of its AVT annotations, E<n>_<stem>.ldjson."""

AVT_RATERS = ("E1", "E2", "E3", "E4", "E5")
"""Raters of the AVT image DB annotations."""

AVT_DECISION_VALUES = {"yes": 1, "no": 0}


def read_avt_decisions(annotations_dir: str | Path) -> dict[str, dict[str, dict]]:
    """Read every rater's yes/no decisions from the AVT annotation files.

    Args:
        annotations_dir: folder with ``E<n>_rule_of_thirds.ldjson`` and
            ``E<n>_simplicity.ldjson``; each line is
            ``{"decision": "yes" | "no", "image": "./jpg/<name>.jpg"}``.

    Returns:
        Attribute name to image file name to rater id to decision (1 yes, 0 no).

    Raises:
        FileNotFoundError: if the folder has no annotation file for an attribute.
        LabelFileError: if a line is not valid JSON, lacks a key, has a decision
            other than yes or no, or contradicts the rater's earlier decision.
    """
    folder = Path(annotations_dir)
    decisions: dict[str, dict[str, dict]] = {}
    for attribute, stem in AVT_ANNOTATION_FILES.items():
        files = sorted(folder.glob(f"E*_{stem}.ldjson"))
        if not files:
            raise FileNotFoundError(
                f"no AVT annotation files E<n>_{stem}.ldjson found in {folder}"
            )
        by_image: dict[str, dict] = {}
        for path in files:
            rater = path.name.split("_", 1)[0]
            for image, decision in _read_ldjson_decisions(path):
                previous = by_image.setdefault(image, {}).setdefault(rater, decision)
                if previous != decision:
                    raise LabelFileError(
                        f"{path}: rater {rater} decides both yes and no for {image}; "
                        "remove one of the lines"
                    )
        decisions[attribute] = by_image
    return decisions


def _read_ldjson_decisions(path: Path) -> list[tuple[str, int]]:
    """Return (image file name, decision) for every line of one annotation file."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                image = Path(record["image"]).name
                decision = AVT_DECISION_VALUES[record["decision"]]
            except json.JSONDecodeError as error:
                raise LabelFileError(
                    f"{path}, line {line_number}: invalid JSON ({error.msg})"
                ) from error
            except (KeyError, TypeError) as error:
                raise LabelFileError(
                    f"{path}, line {line_number}: expected "
                    '{"decision": "yes" or "no", "image": "<path>"}, '
                    f"got {line.strip()[:120]}"
                ) from error
            rows.append((image, decision))
    return rows


def count_avt_raters(annotations_dir: str | Path) -> dict[str, dict[str, int]]:
    """Count the raters per image and attribute in the AVT annotations.

    Returns:
        Image file name to attribute name to number of raters (attributes without
        any rating for the image are absent).
    """
    counts: dict[str, dict[str, int]] = {}
    for attribute, by_image in read_avt_decisions(annotations_dir).items():
        for image, raters in by_image.items():
            counts.setdefault(image, {})[attribute] = len(raters)
    return counts


def read_avt_ratings(
    annotations_dir: str | Path, min_raters: int = len(AVT_RATERS)
) -> dict[str, dict[str, float]]:
    """Read the AVT rater decisions as targets in [-1, 1].

    Each target is 2 * mean - 1 of the raters' decisions (yes 1, no 0), so -1 when
    every rater decided no and +1 when every rater decided yes. The ``simplicity``
    annotations become ``object_emphasis``.

    Args:
        annotations_dir: folder of ``E<n>_{rule_of_thirds,simplicity}.ldjson``.
        min_raters: fewest raters an image needs for an attribute's target. The
            default, all five, keeps 1,119 of the 1,133 images of the AVT image DB;
            1 keeps all of them.

    Returns:
        Image file name (e.g. ``02Sm19d0.jpg``) to attribute name to target. An
        image appears when at least one attribute has ``min_raters`` raters, and
        carries only those attributes.

    Raises:
        ValueError: if ``min_raters`` is below 1.
    """
    if min_raters < 1:
        raise ValueError(f"min_raters must be at least 1, got {min_raters}")
    ratings: dict[str, dict[str, float]] = {}
    for attribute, by_image in read_avt_decisions(annotations_dir).items():
        for image, raters in by_image.items():
            if len(raters) < min_raters:
                continue
            mean = sum(raters.values()) / len(raters)
            ratings.setdefault(image, {})[attribute] = 2.0 * mean - 1.0
    logger.info(
        "read AVT ratings for %d images with at least %d raters",
        len(ratings),
        min_raters,
    )
    return ratings


def rater_agreements(annotations_dir: str | Path, attribute: str) -> dict[str, float]:
    """Correlate each AVT rater with the mean of the other raters.

    Only images rated by every rater count. The correlation is Spearman's rank
    correlation with tied values given their average rank.

    Args:
        annotations_dir: folder of the AVT annotation files.
        attribute: ``rule_of_thirds`` or ``object_emphasis``.

    Returns:
        Rater id to Spearman correlation; NaN for a rater whose decisions, or the
        others' mean, do not vary.

    Raises:
        KeyError: if ``attribute`` has no AVT annotations.
        ValueError: if fewer than two raters or three common images exist.
    """
    if attribute not in AVT_ANNOTATION_FILES:
        raise KeyError(
            f"attribute {attribute!r} has no AVT annotations; expected one of "
            f"{list(AVT_ANNOTATION_FILES)}"
        )
    by_image = read_avt_decisions(annotations_dir)[attribute]
    raters = sorted({rater for decisions in by_image.values() for rater in decisions})
    complete = sorted(
        image for image, decisions in by_image.items() if len(decisions) == len(raters)
    )
    if len(raters) < 2 or len(complete) < 3:
        raise ValueError(
            f"{attribute}: need at least two raters and three images rated by all, "
            f"got {len(raters)} raters and {len(complete)} images"
        )
    matrix = np.array(
        [[by_image[image][rater] for rater in raters] for image in complete],
        dtype=np.float64,
    )
    agreements = {}
    for index, rater in enumerate(raters):
        others = np.delete(matrix, index, axis=1).mean(axis=1)
        agreements[rater] = spearman_correlation(matrix[:, index], others)
    return agreements


def single_rater_agreement(annotations_dir: str | Path, attribute: str) -> float:
    """Return the mean over raters of ``rater_agreements``, a human baseline.

    On the AVT image DB this is about 0.33 for rule_of_thirds and 0.60 for
    object_emphasis (simplicity), over the 1,119 images that all five rated.
    """
    values = [v for v in rater_agreements(annotations_dir, attribute).values()]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan
    return float(np.mean(finite))


def spearman_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Return Spearman's rank correlation of two equal-length 1-D arrays.

    Ties get their average rank. Returns NaN when either array is constant.
    """
    first_ranks = _average_ranks(np.asarray(first, dtype=np.float64))
    second_ranks = _average_ranks(np.asarray(second, dtype=np.float64))
    first_centred = first_ranks - first_ranks.mean()
    second_centred = second_ranks - second_ranks.mean()
    denominator = math.sqrt(
        float(first_centred @ first_centred) * float(second_centred @ second_centred)
    )
    if denominator == 0.0:
        return math.nan
    return float(first_centred @ second_centred) / denominator


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Rank ``values`` from 1, giving tied values the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    new_value = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    group_of_sorted = np.cumsum(new_value) - 1
    group_starts = np.r_[np.flatnonzero(new_value), len(values)]
    group_rank = (group_starts[:-1] + group_starts[1:] + 1) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = group_rank[group_of_sorted]
    return ranks


def avt_label_table(
    ratings: Mapping[str, Mapping[str, float]], image_dir: str | Path
) -> LabelTable:
    """Arrange AVT ratings as a ``LabelTable`` with paths under ``image_dir``.

    Images whose file is missing from ``image_dir`` are left out with a warning.

    Args:
        ratings: output of ``read_avt_ratings``.
        image_dir: folder of the AVT images (e.g. the 200x200 previews).
    """
    folder = Path(image_dir)
    names = list(AVT_ANNOTATION_FILES)
    paths, rows, missing = [], [], []
    for image in sorted(ratings):
        path = folder / image
        if not path.is_file():
            missing.append(image)
            continue
        paths.append(path)
        rows.append([ratings[image].get(name, math.nan) for name in names])
    if missing:
        warnings.warn(
            f"{len(missing)} rated images are not in {folder} and are left out, "
            f"e.g. {missing[:5]}",
            UserWarning,
            stacklevel=2,
        )
    values = np.array(rows, dtype=np.float64).reshape(len(paths), len(names))
    return LabelTable(paths, names, values)
