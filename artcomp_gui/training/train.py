"""Training of ridge attribute heads on a frozen backbone, and the model card they get.

Steps: gather the images and their targets, extract and cache features (originals and
horizontal flips), calibrate teacher measures to [-1, 1], choose each head's ridge
penalty by k-fold cross-validation for every design compared, fit the final heads on
all training images, score the held-out paintings, and write heads, card and report.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from scipy.stats import spearmanr
from tqdm import tqdm

from artcomp_gui.model.attribute_model import load_backbone
from artcomp_gui.model.features import TAPS_DIMENSION
from artcomp_gui.model.model_card import AttributeSpec, ModelCard, WeightFile
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import RESNET50_IMAGENET, bundled_weights_dir, sha256_of
from artcomp_gui.training.config import AttributeConfig, TrainingConfig
from artcomp_gui.training.feature_cache import (
    FeatureCache,
    TrainingImage,
    cache_config_key,
    extract_features,
    fill_measures,
    image_key,
)
from artcomp_gui.training.ridge import cross_validate_columns, fit_ridge_columns
from artcomp_gui.training.teachers import TeacherCalibration, compute_teachers
from artcomp_gui.training.training_data import TrainingSet, gather_training_set

logger = logging.getLogger(__name__)

HEADS_FILE = "heads.safetensors"
TARGET_CLIP = 0.99


@dataclass
class HeadReport:
    """Measured accuracy of one attribute head."""

    cv_spearman: dict[str, float] = field(default_factory=dict)
    penalty: dict[str, float] = field(default_factory=dict)
    holdout_spearman: float | None = None
    training_images: int = 0


def to_pre_activation(targets: np.ndarray, attribute: AttributeConfig) -> np.ndarray:
    """Map targets on the attribute's scale through the inverse output nonlinearity.

    The heads are linear before a tanh (or sigmoid), so they are fitted on atanh (or
    logit) of the targets, clipped to keep the inverse finite.
    """
    unit = (targets - attribute.low) / (attribute.high - attribute.low)
    signed = np.clip(2 * unit - 1, -TARGET_CLIP, TARGET_CLIP)
    if attribute.activation == "sigmoid":
        return 2 * np.arctanh(signed)
    return np.arctanh(signed)


def gram_matrices(rows: np.ndarray) -> dict[str, np.ndarray]:
    """Return the float64 Gram matrices of the pooled-tap part and of the grid part."""
    grams = {}
    for part, columns in (
        ("taps", slice(0, TAPS_DIMENSION)),
        ("grid", slice(TAPS_DIMENSION, None)),
    ):
        block = torch.from_numpy(rows[:, columns].astype(np.float32))
        grams[part] = (block @ block.T).double().numpy()
    return grams


def design_gram(grams: dict[str, np.ndarray], design: str) -> np.ndarray:
    return grams["taps"] + grams["grid"] if design == "taps+grid" else grams["taps"]


def design_columns(design: str) -> slice:
    return slice(None) if design == "taps+grid" else slice(0, TAPS_DIMENSION)


def attribute_groups(targets: np.ndarray, trainable: np.ndarray) -> list[list[int]]:
    """Group attributes that have targets on exactly the same training images."""
    groups: dict[bytes, list[int]] = {}
    for column in range(targets.shape[1]):
        mask = ~np.isnan(targets[:, column]) & trainable
        groups.setdefault(mask.tobytes(), []).append(column)
    return list(groups.values())


def train_heads(config: TrainingConfig, output: Path) -> ModelCard:
    """Train every attribute head of ``config`` and write the model to ``output``.

    Returns:
        The model card written to ``output / "model_card.json"``.
    """
    torch.manual_seed(config.seed)
    training_set = gather_training_set(config)
    attributes = config.attributes
    logger.info(
        "training %d attributes on %d images", len(attributes), len(training_set.images)
    )

    features, measures = load_features(config, training_set.images)
    loaded = np.array([f is not None for f in features])
    targets = training_set.targets.copy()

    calibration = None
    teacher_columns = [i for i, a in enumerate(attributes) if a.target == "teacher"]
    if teacher_columns:
        calibration = calibrate_teachers(
            measures, loaded & ~training_set.holdout, attributes
        )
        for column in teacher_columns:
            name = attributes[column].name
            for index, values in enumerate(measures):
                if values is not None and name in values:
                    targets[index, column] = calibration.transform(name, values[name])

    trainable = loaded & ~training_set.holdout
    reports = [HeadReport() for _ in attributes]
    weight = np.zeros(
        (len(attributes), features_dimension(config.design)), dtype=np.float32
    )
    bias = np.zeros(len(attributes), dtype=np.float32)

    for group in attribute_groups(targets, trainable):
        images = np.flatnonzero(~np.isnan(targets[:, group[0]]) & trainable)
        if len(images) < config.folds * 2:
            raise ValueError(
                f"attributes {[attributes[c].name for c in group]} have targets on only "
                f"{len(images)} images; at least {config.folds * 2} are needed"
            )
        fit_group(
            config,
            group,
            images,
            features,
            targets,
            training_set,
            reports,
            weight,
            bias,
        )

    evaluate_holdout(config, features, targets, training_set, weight, bias, reports)
    return write_model(config, output, weight, bias, reports, training_set, calibration)


def features_dimension(design: str) -> int:
    from artcomp_gui.model.features import feature_dimension

    return feature_dimension(design)


def load_features(
    config: TrainingConfig, images: list[TrainingImage]
) -> tuple[list[np.ndarray | None], list[dict | None]]:
    """Extract missing features into the cache, then read all of them back."""
    backbone = load_backbone(bundled_weights_dir(), RESNET50_IMAGENET).eval()
    backbone = backbone.to(memory_format=torch.channels_last)
    cache = FeatureCache(
        config.cache, cache_config_key(RESNET50_IMAGENET.sha256, config.pixel_budget)
    )
    measure = (
        compute_teachers
        if any(a.target == "teacher" for a in config.attributes)
        else None
    )

    with tqdm(total=len(images), desc="features", unit="image") as bar:

        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        errors = extract_features(
            backbone,
            images,
            cache,
            Preprocessor(config.pixel_budget),
            measure=measure,
            batch_size=config.batch_size,
            num_workers=config.num_workers,
            progress=progress,
        )

    if measure is not None:
        names = [a.name for a in config.attributes if a.target == "teacher"]
        with tqdm(desc="teachers", unit="image") as bar:

            def measure_progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            fill_measures(
                images, cache, measure, names, config.num_workers, measure_progress
            )

    features: list[np.ndarray | None] = []
    measures: list[dict | None] = []
    for index, image in enumerate(tqdm(images, desc="reading cache", unit="image")):
        if index in errors:
            features.append(None)
            measures.append(None)
            continue
        pair, values = cache.load(image_key(image))
        features.append(pair)
        measures.append(values)
    return features, measures


def calibrate_teachers(
    measures: list[dict | None],
    training: np.ndarray,
    attributes: tuple[AttributeConfig, ...],
) -> TeacherCalibration:
    """Fit the percentile mapping of every teacher on the training images only."""
    names = [a.name for a in attributes if a.target == "teacher"]
    raw = {
        name: [m[name] for m, use in zip(measures, training) if use and m]
        for name in names
    }
    return TeacherCalibration.fit(
        {name: np.asarray(values) for name, values in raw.items()}
    )


def stack_rows(features: list[np.ndarray | None], images: np.ndarray) -> np.ndarray:
    """Stack originals and flips of ``images``: rows 2i and 2i + 1 belong to image i."""
    return np.concatenate([features[i] for i in images], axis=0)


def fit_group(
    config: TrainingConfig,
    group: list[int],
    images: np.ndarray,
    features: list[np.ndarray | None],
    targets: np.ndarray,
    training_set: TrainingSet,
    reports: list[HeadReport],
    weight: np.ndarray,
    bias: np.ndarray,
) -> None:
    """Cross-validate every design, then fit the chosen design, for attributes sharing images."""
    attributes = [config.attributes[c] for c in group]
    names = [a.name for a in attributes]
    logger.info(
        "fitting %s on %d images and their flips", ", ".join(names), len(images)
    )

    rows = stack_rows(features, images)
    row_targets = np.repeat(targets[np.ix_(images, group)], 2, axis=0)
    pre_targets = np.stack(
        [to_pre_activation(row_targets[:, i], a) for i, a in enumerate(attributes)],
        axis=1,
    )
    groups = np.repeat(images, 2)
    originals = np.tile([True, False], len(images))
    evaluate = originals & np.repeat(training_set.evaluate_mask(images, attributes), 2)

    grams = gram_matrices(rows)
    chosen: list[float] = []
    for design in dict.fromkeys((*config.compare_designs, config.design)):
        results = cross_validate_columns(
            design_gram(grams, design),
            pre_targets,
            groups,
            evaluate,
            config.folds,
            config.seed,
            config.penalties,
        )
        for column, result in zip(group, results):
            report = reports[column]
            report.cv_spearman[design] = result.spearman_by_penalty[result.penalty]
            report.penalty[design] = result.penalty
            report.training_images = len(images)
            logger.info(
                "%s, %s: held-out Spearman %.3f at penalty %g",
                config.attributes[column].name,
                design,
                report.cv_spearman[design],
                result.penalty,
            )
        if design == config.design:
            chosen = [r.penalty for r in results]

    columns = design_columns(config.design)
    design_rows = rows[:, columns]
    fits = fit_ridge_columns(
        design_rows, design_gram(grams, config.design), pre_targets, chosen
    )
    for column, fit in zip(group, fits):
        weight[column] = fit.weight
        bias[column] = fit.bias


def evaluate_holdout(
    config: TrainingConfig,
    features: list[np.ndarray | None],
    targets: np.ndarray,
    training_set: TrainingSet,
    weight: np.ndarray,
    bias: np.ndarray,
    reports: list[HeadReport],
) -> None:
    """Score the held-out images with the final heads and record Spearman per attribute."""
    held = [i for i in np.flatnonzero(training_set.holdout) if features[i] is not None]
    if not held:
        return
    columns = design_columns(config.design)
    originals = np.stack([features[i][0, columns] for i in held]).astype(np.float32)
    predicted = originals @ weight.T + bias
    for column, report in enumerate(reports):
        known = ~np.isnan(targets[held, column])
        if known.sum() < 3:
            continue
        rho = spearmanr(
            predicted[known, column], targets[np.array(held)[known], column]
        ).statistic
        report.holdout_spearman = float(rho)


def write_model(
    config: TrainingConfig,
    output: Path,
    weight: np.ndarray,
    bias: np.ndarray,
    reports: list[HeadReport],
    training_set: TrainingSet,
    calibration: TeacherCalibration | None,
) -> ModelCard:
    """Write heads, model card, held-out image list and evaluation page to ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    heads_path = output / HEADS_FILE
    save_file(
        {"weight": torch.from_numpy(weight), "bias": torch.from_numpy(bias)},
        str(heads_path),
    )

    backbone_path = output / RESNET50_IMAGENET.file
    if not backbone_path.exists():
        source = bundled_weights_dir() / RESNET50_IMAGENET.file
        backbone_path.write_bytes(source.read_bytes())

    specs = []
    overall = None
    for order, (attribute, report) in enumerate(zip(config.attributes, reports)):
        spec = AttributeSpec(
            name=attribute.name,
            label=attribute.label,
            order=order,
            low=attribute.low,
            high=attribute.high,
            activation=attribute.activation,
            source=training_set.source_of(attribute, calibration),
            accuracy=accuracy_record(config, attribute, report, training_set),
            description=attribute.description,
        )
        if attribute.overall:
            overall = spec
        else:
            specs.append(spec)

    holdout_names = training_set.holdout_names()
    (output / "holdout_images.txt").write_text("\n".join(holdout_names) + "\n", "utf-8")
    card = ModelCard(
        name=config.name,
        design=config.design,
        attributes=tuple(specs),
        overall=overall,
        pixel_budget=config.pixel_budget,
        backbone=RESNET50_IMAGENET,
        heads=WeightFile(
            HEADS_FILE, sha256_of(heads_path), "ridge heads trained by artcomp train"
        ),
        training={
            "method": "ridge regression on frozen features, originals plus horizontal flips",
            "folds": config.folds,
            "seed": config.seed,
            "penalties": list(config.penalties),
            "designs_compared": list(config.compare_designs),
            "images": training_set.counts(),
            "holdout_list": "holdout_images.txt",
            "teacher_calibration": calibration.to_dict() if calibration else None,
        },
    )
    card.save(output / "model_card.json")
    (output / "evaluation.md").write_text(evaluation_page(card, reports), "utf-8")
    logger.info("wrote %s", output)
    return card


def accuracy_record(
    config: TrainingConfig,
    attribute: AttributeConfig,
    report: HeadReport,
    training_set: TrainingSet,
) -> dict:
    against = training_set.accuracy_target(attribute)
    record = {
        "spearman": report.cv_spearman.get(config.design),
        "against": f"{against}, {config.folds}-fold cross-validation",
        "cv_spearman_by_design": report.cv_spearman,
        "penalty": report.penalty.get(config.design),
        "training_images": report.training_images,
    }
    if report.holdout_spearman is not None:
        record["holdout_spearman"] = report.holdout_spearman
        record["holdout"] = (
            f"{against}, {training_set.holdout.sum()} paintings never trained on"
        )
    baseline = training_set.human_baseline(attribute)
    if baseline is not None:
        record["single_rater_spearman"] = baseline
    return record


def evaluation_page(card: ModelCard, reports: list[HeadReport]) -> str:
    """Render the accuracy table of every head and design as Markdown."""
    designs = card.training["designs_compared"]
    lines = [
        f"# Held-out accuracy of {card.name}",
        "",
        "Spearman correlation between head outputs and targets on images the head did not",
        "see: k-fold cross-validation over training images (originals only; an image and",
        "its flip stay in one fold), and, for teacher heads, the held-out paintings.",
        "",
        "| attribute | target | "
        + " | ".join(f"CV {d}" for d in designs)
        + " | held-out paintings | single rater |",
        "| --- | --- | " + " | ".join("---" for _ in designs) + " | --- | --- |",
    ]
    for spec, report in zip(card.head_specs, reports):
        cells = [f"{report.cv_spearman.get(d, math.nan):.3f}" for d in designs]
        holdout = (
            f"{report.holdout_spearman:.3f}"
            if report.holdout_spearman is not None
            else "n/a"
        )
        rater = spec.accuracy.get("single_rater_spearman")
        rater_cell = f"{rater:.2f}" if rater is not None else "n/a"
        lines.append(
            f"| {spec.label} | {spec.source.get('summary', '')} | "
            + " | ".join(cells)
            + f" | {holdout} | {rater_cell} |"
        )
    lines += ["", f"Shipped design: `{card.design}`.", ""]
    return "\n".join(lines)


def card_json(card: ModelCard) -> str:
    return json.dumps(card.to_dict(), indent=2)
