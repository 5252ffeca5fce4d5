"""The images a training run uses, their targets, and where each target came from."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artcomp_gui.image_loader import IMAGE_EXTENSIONS, iter_image_paths
from artcomp_gui.training.config import AttributeConfig, TrainingConfig
from artcomp_gui.training.feature_cache import TrainingImage
from artcomp_gui.training.labels import read_avt_ratings, single_rater_agreement

logger = logging.getLogger(__name__)

PHOTO = "photo"
PAINTING = "painting"
LABELLED = "labelled"


@dataclass
class TrainingSet:
    """Images, their kind, targets and which of them are held out.

    Attributes:
        images: every image the run reads.
        kinds: ``photo``, ``painting`` or ``labelled`` per image.
        targets: images x attributes, NaN where an image has no target. Teacher
            columns are filled in after the teachers run.
        holdout: images never trained on.
        rater_counts: raters per photo, for the model card.
        baselines: attribute name to the Spearman of one rater against the mean of
            the others, where ratings exist.
    """

    config: TrainingConfig
    images: list[TrainingImage]
    kinds: np.ndarray
    targets: np.ndarray
    holdout: np.ndarray
    rater_count: int
    baselines: dict[str, float]

    def evaluate_mask(
        self, images: np.ndarray, attributes: list[AttributeConfig]
    ) -> np.ndarray:
        """Return which of ``images`` count in held-out accuracy for these attributes.

        Teacher heads are judged on paintings when there are any, since paintings are
        what the product scores. Other heads are judged on every image with a target.
        """
        kinds = self.kinds[images]
        if attributes[0].target == "teacher" and (kinds == PAINTING).any():
            return kinds == PAINTING
        return np.ones(len(images), dtype=bool)

    def source_of(self, attribute: AttributeConfig, calibration) -> dict:
        """Describe where an attribute's training target came from, for the card."""
        if attribute.target == "ratings":
            photos = int((~np.isnan(self.targets[:, self.column(attribute)])).sum())
            return {
                "kind": "human ratings",
                "summary": f"mean of {self.rater_count} raters' yes/no judgements on {photos} photos",
                "raters": self.rater_count,
                "images": photos,
                "reference": attribute.reference,
            }
        if attribute.target == "teacher":
            record = {
                "kind": "teacher",
                "summary": f"published measure: {attribute.reference}",
                "reference": attribute.reference,
                "images": int((self.kinds != LABELLED).sum() - self.holdout.sum()),
            }
            if calibration is not None:
                record["calibration"] = (
                    "percentiles over the training images, mapped to [-1, 1]"
                )
            return record
        labelled = int((~np.isnan(self.targets[:, self.column(attribute)])).sum())
        return {
            "kind": "labels",
            "summary": f"labels from {self.config.labels.get('csv', 'a CSV file')}",
            "images": labelled,
            "reference": attribute.reference,
        }

    def accuracy_target(self, attribute: AttributeConfig) -> str:
        if attribute.target == "ratings":
            return f"the {self.rater_count}-rater mean on photos"
        if attribute.target == "teacher":
            judged = "paintings" if (self.kinds == PAINTING).any() else "photos"
            return f"the teacher on {judged}"
        return "the labels"

    def human_baseline(self, attribute: AttributeConfig) -> float | None:
        return self.baselines.get(attribute.name)

    def column(self, attribute: AttributeConfig) -> int:
        return [a.name for a in self.config.attributes].index(attribute.name)

    def holdout_names(self) -> list[str]:
        """Held-out images, relative to the paintings folder when they are in it."""
        root = Path(self.config.paintings.get("images", "/"))
        names = []
        for index in np.flatnonzero(self.holdout):
            path = self.images[index].path
            names.append(
                str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            )
        return names

    def counts(self) -> dict[str, int]:
        return {
            "photos": int((self.kinds == PHOTO).sum()),
            "paintings": int((self.kinds == PAINTING).sum()),
            "labelled": int((self.kinds == LABELLED).sum()),
            "held_out": int(self.holdout.sum()),
        }


def list_paintings(folder: Path, per_folder: int | None, seed: int) -> list[Path]:
    """List paintings, at most ``per_folder`` from each subfolder (style), chosen by seed."""
    chosen: list[Path] = []
    rng = np.random.default_rng(seed)
    folders = sorted(p for p in folder.iterdir() if p.is_dir()) or [folder]
    for subfolder in folders:
        files = sorted(
            p
            for p in iter_image_paths([subfolder])
            if p.suffix.lower() in IMAGE_EXTENSIONS
        )
        if per_folder is not None and len(files) > per_folder:
            keep = np.sort(rng.choice(len(files), per_folder, replace=False))
            files = [files[i] for i in keep]
        chosen += files
    return chosen


def gather_training_set(config: TrainingConfig) -> TrainingSet:
    """Collect images and human or CSV targets; teacher targets come later."""
    names = [a.name for a in config.attributes]
    images: list[TrainingImage] = []
    kinds: list[str] = []
    rows: list[dict[str, float]] = []
    holdout: list[bool] = []
    rater_count = 0
    baselines: dict[str, float] = {}

    if config.photos:
        min_raters = int(config.photos.get("min_raters", 5))
        ratings = read_avt_ratings(config.photos["ratings"], min_raters=min_raters)
        rater_count = min_raters
        rated = {a.name for a in config.attributes if a.target == "ratings"}
        for attribute in rated:
            baselines[attribute] = single_rater_agreement(
                config.photos["ratings"], attribute
            )
        for path in sorted(Path(config.photos["images"]).glob("*")):
            if path.suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            images.append(
                TrainingImage(path, bool(config.photos.get("trim_borders", False)))
            )
            kinds.append(PHOTO)
            values = ratings.get(path.name, {})
            rows.append({name: values[name] for name in rated if name in values})
            holdout.append(False)

    if config.paintings:
        folder = Path(config.paintings["images"])
        per_folder = config.paintings.get("per_folder")
        paintings = list_paintings(folder, per_folder, config.seed)
        fraction = float(config.paintings.get("holdout_fraction", 0.0))
        rng = np.random.default_rng(config.seed + 1)
        held = rng.random(len(paintings)) < fraction
        for path, is_held in zip(paintings, held):
            images.append(
                TrainingImage(path, bool(config.paintings.get("trim_borders", True)))
            )
            kinds.append(PAINTING)
            rows.append({})
            holdout.append(bool(is_held))

    if config.labels:
        table = read_labels(config.labels)
        for path, values in zip(table.paths, table.values):
            images.append(
                TrainingImage(
                    Path(path), bool(config.labels.get("trim_borders", False))
                )
            )
            kinds.append(LABELLED)
            rows.append(
                {
                    n: float(v)
                    for n, v in zip(table.attribute_names, values)
                    if n in names
                }
            )
            holdout.append(False)

    check_targets_present(config, rows)
    targets = np.full((len(images), len(names)), np.nan)
    for index, row in enumerate(rows):
        for name, value in row.items():
            targets[index, names.index(name)] = value

    return TrainingSet(
        config=config,
        images=images,
        kinds=np.array(kinds),
        targets=targets,
        holdout=np.array(holdout, dtype=bool),
        rater_count=rater_count,
        baselines=baselines,
    )


def check_targets_present(config: TrainingConfig, rows: list[dict[str, float]]) -> None:
    """Raise ValueError when an attribute's target source is missing from the config."""
    found = {name for row in rows for name in row}
    for attribute in config.attributes:
        if attribute.target == "ratings" and not config.photos:
            raise ValueError(
                f"attribute {attribute.name!r} has target 'ratings', which needs a "
                "[photos] section with rater annotations; use target 'csv' for labels"
            )
        if attribute.target == "csv" and attribute.name not in found:
            raise ValueError(
                f"attribute {attribute.name!r} has target 'csv', but the label file "
                f"{config.labels.get('csv', '(none: add a [labels] section)')} has no "
                f"column {attribute.name!r} with values"
            )


def read_labels(section: dict):
    """Read an AADB-format or generic label CSV, as the config's ``[labels]`` says."""
    from artcomp_gui.training.labels import read_aadb_csv, read_generic_csv

    label_format = section.get("format", "generic")
    if label_format == "aadb":
        return read_aadb_csv(section["csv"], section["images"])
    if label_format == "generic":
        return read_generic_csv(section["csv"], section.get("path_column", "path"))
    raise ValueError(f"label format {label_format!r} is not 'aadb' or 'generic'")
