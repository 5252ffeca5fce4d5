"""Percentile calibration that maps raw teacher values to targets in [-1, 1].

The raw teachers live on unrelated scales (degrees, shares, colourfulness units), so
before a head is trained on them each is mapped through its own quantiles over the
training images: the quantile at level q (``QUANTILE_LEVELS``) maps to::

    t(q) = -1 + 2 (q - q_min) / (q_max - q_min)

so the 1st percentile maps to -1, the median to 0 and the 99th percentile to +1.
Values between two stored quantiles are interpolated linearly, and values outside
them are clipped to -1 or +1. The mapping follows the rank of a value among the
training images, so the targets spread almost evenly over [-1, 1] whatever the raw
distribution. Stored quantiles that are equal, as when many images score exactly 0,
are merged into one knot whose target is the mean of their targets.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
"""Default quantile levels stored per teacher."""

FORMAT_NAME = "artcomp-teacher-calibration"
FORMAT_VERSION = 1


class TeacherCalibration:
    """Per-teacher quantiles and the piecewise-linear map they define.

    Args:
        quantile_levels: increasing levels in [0, 1], at least two.
        quantiles: teacher name to its quantile values, one per level,
            non-decreasing and finite.

    Raises:
        ValueError: if the levels or any teacher's quantiles are invalid.
    """

    def __init__(
        self,
        quantile_levels: Sequence[float],
        quantiles: Mapping[str, Sequence[float]],
    ) -> None:
        levels = np.asarray(quantile_levels, dtype=np.float64)
        if levels.ndim != 1 or len(levels) < 2:
            raise ValueError(
                f"quantile_levels must list at least two levels, got {quantile_levels!r}"
            )
        if not np.all(np.isfinite(levels)) or levels[0] < 0 or levels[-1] > 1:
            raise ValueError(
                f"quantile_levels must lie in [0, 1], got {list(quantile_levels)}"
            )
        if np.any(np.diff(levels) <= 0):
            raise ValueError(
                f"quantile_levels must be strictly increasing, got {list(levels)}"
            )
        self.quantile_levels = tuple(float(level) for level in levels)
        self.quantiles: dict[str, tuple[float, ...]] = {}
        self._knots: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        level_targets = -1.0 + 2.0 * (levels - levels[0]) / (levels[-1] - levels[0])
        for name, values in quantiles.items():
            array = np.asarray(values, dtype=np.float64)
            if array.shape != levels.shape:
                raise ValueError(
                    f"teacher {name!r} has {array.size} quantiles, expected one per "
                    f"level ({len(levels)})"
                )
            if not np.all(np.isfinite(array)):
                raise ValueError(
                    f"teacher {name!r} has non-finite quantiles {array.tolist()}"
                )
            if np.any(np.diff(array) < 0):
                raise ValueError(
                    f"teacher {name!r} has decreasing quantiles {array.tolist()}"
                )
            self.quantiles[name] = tuple(float(value) for value in array)
            self._knots[name] = _merge_equal_knots(array, level_targets)

    @classmethod
    def fit(
        cls,
        raw_values: Mapping[str, Sequence[float] | np.ndarray],
        quantile_levels: Sequence[float] = QUANTILE_LEVELS,
    ) -> TeacherCalibration:
        """Compute each teacher's quantiles over the raw values of training images.

        Non-finite values are left out with a warning.

        Args:
            raw_values: teacher name to its raw values, one per training image.
            quantile_levels: levels to store, increasing in [0, 1].

        Raises:
            ValueError: if a teacher has no finite value.
        """
        quantiles = {}
        for name, values in raw_values.items():
            array = np.asarray(values, dtype=np.float64).ravel()
            finite = array[np.isfinite(array)]
            if finite.size < array.size:
                warnings.warn(
                    f"teacher {name!r}: ignoring {array.size - finite.size} non-finite "
                    f"of {array.size} raw values",
                    RuntimeWarning,
                    stacklevel=2,
                )
            if finite.size == 0:
                raise ValueError(
                    f"teacher {name!r} has no finite raw value to calibrate on"
                )
            if finite.min() == finite.max():
                warnings.warn(
                    f"teacher {name!r}: every raw value is {finite[0]!r}, so every "
                    f"image maps to 0",
                    RuntimeWarning,
                    stacklevel=2,
                )
            quantiles[name] = np.quantile(finite, quantile_levels)
            logger.debug("teacher %s: quantiles %s", name, quantiles[name])
        return cls(quantile_levels, quantiles)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the calibrated teachers."""
        return tuple(self.quantiles)

    def transform(self, name: str, raw: float | np.ndarray) -> float | np.ndarray:
        """Map raw values of teacher ``name`` to targets in [-1, 1].

        Args:
            name: a calibrated teacher.
            raw: one raw value or an array of them. NaN stays NaN.

        Returns:
            A float for a scalar input, else an array of the input's shape.

        Raises:
            KeyError: if ``name`` is not calibrated.
        """
        if name not in self._knots:
            raise KeyError(
                f"teacher {name!r} is not calibrated; calibrated teachers are "
                f"{list(self._knots)}"
            )
        knots, targets = self._knots[name]
        values = np.asarray(raw, dtype=np.float64)
        if len(knots) == 1:
            mapped = np.where(np.isnan(values), np.nan, float(targets[0]))
        else:
            mapped = np.interp(values, knots, targets)
            mapped = np.where(np.isnan(values), np.nan, mapped)
        if np.ndim(raw) == 0:
            return float(mapped)
        return mapped

    def transform_all(self, raw: Mapping[str, float]) -> dict[str, float]:
        """Map every calibrated teacher present in ``raw`` to its target."""
        return {
            name: float(self.transform(name, value))
            for name, value in raw.items()
            if name in self._knots
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable description that ``from_dict`` reads back."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "quantile_levels": list(self.quantile_levels),
            "quantiles": {
                name: list(values) for name, values in self.quantiles.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TeacherCalibration:
        """Rebuild a calibration from the output of ``to_dict``.

        Raises:
            TypeError: if ``data`` or its quantiles entry is not a mapping.
            ValueError: if ``data`` is not a calibration of a known version.
        """
        if not isinstance(data, Mapping):
            raise TypeError(
                f"teacher calibration must be a mapping, got {type(data).__name__}"
            )
        if data.get("format") != FORMAT_NAME:
            raise ValueError(
                f"not a teacher calibration: format is {data.get('format')!r}, "
                f"expected {FORMAT_NAME!r}"
            )
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"teacher calibration version {data.get('version')!r} is not "
                f"supported; this version reads {FORMAT_VERSION}"
            )
        for key in ("quantile_levels", "quantiles"):
            if key not in data:
                raise ValueError(f"teacher calibration is missing the {key!r} entry")
        if not isinstance(data["quantiles"], Mapping):
            raise TypeError(
                "teacher calibration 'quantiles' must map teacher names to lists"
            )
        return cls(data["quantile_levels"], data["quantiles"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TeacherCalibration):
            return NotImplemented
        return (
            self.quantile_levels == other.quantile_levels
            and self.quantiles == other.quantiles
        )

    def __repr__(self) -> str:
        return (
            f"TeacherCalibration(levels={len(self.quantile_levels)}, "
            f"teachers={list(self.quantiles)})"
        )


def _merge_equal_knots(
    values: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs of equal quantile values into one knot with their mean target."""
    knots, start_indices, counts = np.unique(
        values, return_index=True, return_counts=True
    )
    merged_targets = np.array(
        [
            targets[start : start + count].mean()
            for start, count in zip(start_indices, counts)
        ]
    )
    return knots, merged_targets
