"""Model card: the attribute set, the feature design and the files of one model."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DESIGNS = ("taps", "taps+grid")
ACTIVATIONS = ("tanh", "sigmoid", "identity")
DEFAULT_PIXEL_BUDGET = 224 * 224
MIN_PIXEL_BUDGET = 96 * 96
MAX_PIXEL_BUDGET = 2048 * 2048


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute head as the model card describes it.

    Attributes:
        name: key used in results and files, snake_case (``rule_of_thirds``).
        label: name shown to users (``Rule of Thirds``).
        order: position in the attribute panel and in result columns.
        low: lowest value the head can output.
        high: highest value the head can output.
        activation: output nonlinearity applied to the head's pre-activation.
        source: where the training target came from (human ratings or a teacher).
        accuracy: measured held-out accuracy, such as ``{"spearman": 0.81, ...}``.
        description: what the attribute means, in one or two sentences.
    """

    name: str
    label: str
    order: int
    low: float = -1.0
    high: float = 1.0
    activation: str = "tanh"
    source: dict[str, Any] = field(default_factory=dict)
    accuracy: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"attribute {self.name!r}: activation {self.activation!r} is not one "
                f"of {', '.join(ACTIVATIONS)}"
            )
        if not self.low < self.high:
            raise ValueError(
                f"attribute {self.name!r}: range [{self.low}, {self.high}] is empty"
            )

    @property
    def is_signed(self) -> bool:
        """Whether the range is centred on zero, so bars are drawn from the middle."""
        return math.isclose(self.low, -self.high)

    def tooltip(self) -> str:
        """Return a short text naming the target source and the held-out accuracy."""
        lines = [self.description] if self.description else []
        if self.source:
            lines.append(
                f"Target: {self.source.get('summary', self.source.get('kind', ''))}"
            )
        spearman = self.accuracy.get("spearman")
        if spearman is not None:
            against = self.accuracy.get("against", "held-out targets")
            lines.append(f"Held-out Spearman {spearman:.2f} against {against}")
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class WeightFile:
    """A file the model loads, with the sha256 it must have."""

    file: str
    sha256: str
    source: str = ""


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to load a model and to present its outputs honestly.

    Attributes:
        name: model name shown in the status bar.
        design: ``"taps"`` (sixteen pooled block outputs, 15,104 values) or
            ``"taps+grid"`` (those plus the last block pooled over a 3x3 grid,
            18,432 more values).
        attributes: attribute heads in display order.
        overall: optional overall score head on [0, 1], shown apart from the bars.
        pixel_budget: input area in pixels that images are resized to, aspect kept.
        backbone: the ImageNet backbone weights.
        heads: the attribute head weights.
        training: how the heads were trained (data, penalty, folds, seed).
    """

    name: str
    design: str
    attributes: tuple[AttributeSpec, ...]
    backbone: WeightFile
    heads: WeightFile
    overall: AttributeSpec | None = None
    pixel_budget: int = DEFAULT_PIXEL_BUDGET
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(
                f"model card design {self.design!r} is not one of {DESIGNS}"
            )
        names = [spec.name for spec in self.head_specs]
        if len(set(names)) != len(names):
            raise ValueError(f"model card names an attribute twice: {names}")
        if not self.attributes:
            raise ValueError("model card lists no attributes")
        if not MIN_PIXEL_BUDGET <= self.pixel_budget <= MAX_PIXEL_BUDGET:
            raise ValueError(
                f"model card pixel_budget {self.pixel_budget} is outside "
                f"{MIN_PIXEL_BUDGET} to {MAX_PIXEL_BUDGET} pixels"
            )

    @property
    def attribute_names(self) -> list[str]:
        """Attribute keys in display order, without the overall score."""
        return [spec.name for spec in self.attributes]

    @property
    def head_specs(self) -> tuple[AttributeSpec, ...]:
        """Specs in the row order of the head weight matrix: attributes, then overall."""
        return self.attributes + ((self.overall,) if self.overall else ())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["attributes"] = [asdict(spec) for spec in self.attributes]
        return data

    def save(self, path: Path) -> None:
        """Write the card as indented JSON."""
        path.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        attributes = sorted(
            (AttributeSpec(**spec) for spec in data["attributes"]),
            key=lambda s: s.order,
        )
        overall = data.get("overall")
        return cls(
            name=data["name"],
            design=data["design"],
            attributes=tuple(attributes),
            backbone=WeightFile(**data["backbone"]),
            heads=WeightFile(**data["heads"]),
            overall=AttributeSpec(**overall) if overall else None,
            pixel_budget=int(data.get("pixel_budget", DEFAULT_PIXEL_BUDGET)),
            training=data.get("training", {}),
        )

    @classmethod
    def load(cls, path: Path) -> ModelCard:
        """Read a card from JSON.

        Raises:
            FileNotFoundError: if ``path`` does not exist.
            ValueError: if the JSON is invalid or a required field is missing.
        """
        try:
            data = json.loads(Path(path).read_text("utf-8"))
            return cls.from_dict(data)
        except json.JSONDecodeError as error:
            raise ValueError(f"model card {path} is not valid JSON: {error}") from error
        except (KeyError, TypeError) as error:
            raise ValueError(
                f"model card {path} is missing or has a wrong field: {error}"
            ) from error
