"""Mixed precision for the GPU benchmarks, and the check that it keeps the outputs."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from artcomp_gui.model import AttributeModel

PRECISIONS = {"float32": None, "float16": torch.float16, "bfloat16": torch.bfloat16}

# Mixed precision is accepted only if no score and no activation map (relative to the
# map's largest magnitude) moves by this much or more against float32.
MAX_OUTPUT_CHANGE = 0.01


def add_precision_argument(parser) -> None:
    parser.add_argument(
        "--precision",
        choices=tuple(PRECISIONS),
        default="float32",
        help="float32, or torch.autocast to float16 or bfloat16 on both sides "
        "(default float32)",
    )


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Return ``torch.autocast`` for a mixed precision, or a no-op for float32."""
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


@dataclass(frozen=True)
class OutputChange:
    """Largest change of the outputs under mixed precision against float32.

    Attributes:
        score: largest absolute change of a score, in the attribute's own units.
        activation_map: largest absolute change of a map value divided by the
            largest magnitude of that float32 map.
    """

    score: float
    activation_map: float

    @property
    def acceptable(self) -> bool:
        return max(self.score, self.activation_map) < MAX_OUTPUT_CHANGE


def measure_output_change(
    model: AttributeModel, batch: torch.Tensor, precision: str
) -> OutputChange:
    """Score ``batch`` in float32 and in ``precision`` and compare the outputs."""
    reference = model.predict_batch(batch)
    with autocast(model.device, precision):
        mixed = model.predict_batch(batch)

    score_change = 0.0
    map_change = 0.0
    for exact, approximate in zip(reference, mixed):
        for name, value in exact.scores.items():
            score_change = max(score_change, abs(value - approximate.scores[name]))
        magnitude = np.abs(exact.maps).max(axis=(-2, -1), keepdims=True)
        difference = np.abs(exact.maps - approximate.maps) / np.maximum(
            magnitude, 1e-12
        )
        map_change = max(map_change, float(difference.max()))
    return OutputChange(score_change, map_change)
