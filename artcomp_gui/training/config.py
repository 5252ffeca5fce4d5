"""Training configuration: which images, which targets, which attributes.

A configuration is a TOML file. Paths in it are relative to a data root given on the
command line (``--data-root``), or absolute. The shipped heads come from
``model_weights/training_config.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artcomp_gui.model.model_card import DEFAULT_PIXEL_BUDGET, DESIGNS

TARGET_KINDS = ("ratings", "teacher", "csv")


@dataclass(frozen=True)
class AttributeConfig:
    """One attribute to train.

    Attributes:
        name: snake_case key.
        label: display label.
        target: ``ratings`` (human ratings of the photo set), ``teacher`` (a published
            measure computed on the images) or ``csv`` (a column of a label CSV).
        description: what the attribute means.
        reference: publication of the teacher or of the ratings.
        low: lowest value of the target scale.
        high: highest value of the target scale.
        activation: ``tanh`` or ``sigmoid``.
        overall: whether this is the overall score, shown apart from the bars.
    """

    name: str
    label: str
    target: str
    description: str = ""
    reference: str = ""
    low: float = -1.0
    high: float = 1.0
    activation: str = "tanh"
    overall: bool = False


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides the trained heads."""

    name: str
    attributes: tuple[AttributeConfig, ...]
    design: str = "taps+grid"
    compare_designs: tuple[str, ...] = DESIGNS
    pixel_budget: int = DEFAULT_PIXEL_BUDGET
    seed: int = 0
    folds: int = 5
    penalties: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
    batch_size: int = 16
    num_workers: int = 1
    photos: dict[str, Any] = field(default_factory=dict)
    paintings: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    output: Path = Path("trained_model")
    cache: Path = Path(".cache/artcomp-features")


def read_config(path: Path, data_root: Path | None = None) -> TrainingConfig:
    """Read a training configuration.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the TOML is invalid or names an unknown design or target.
    """
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(
            f"training config {path} is not valid TOML: {error}"
        ) from error

    root = Path(data_root) if data_root else Path(path).parent

    def resolve(section: dict[str, Any]) -> dict[str, Any]:
        resolved = dict(section)
        for key in ("images", "ratings", "csv"):
            if key in resolved:
                resolved[key] = root / resolved[key]
        return resolved

    try:
        attributes = tuple(AttributeConfig(**spec) for spec in data.pop("attributes"))
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"training config {path}: invalid [[attributes]]: {error}"
        ) from error

    for attribute in attributes:
        if attribute.target not in TARGET_KINDS:
            raise ValueError(
                f"training config {path}: attribute {attribute.name!r} has target "
                f"{attribute.target!r}; use one of {', '.join(TARGET_KINDS)}"
            )

    for key in ("photos", "paintings", "labels"):
        data[key] = resolve(data.get(key, {}))
    for key in ("output", "cache"):
        if key in data:
            data[key] = Path(data[key])
    for key in ("compare_designs", "penalties"):
        if key in data:
            data[key] = tuple(data[key])

    try:
        config = TrainingConfig(attributes=attributes, **data)
    except TypeError as error:
        raise ValueError(f"training config {path}: unknown setting: {error}") from error
    for design in (config.design, *config.compare_designs):
        if design not in DESIGNS:
            raise ValueError(
                f"training config {path}: design {design!r} is not one of {DESIGNS}"
            )
    return config
