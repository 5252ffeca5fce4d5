"""A table of images with numeric targets per attribute, and label file errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


class LabelFileError(ValueError):
    """A label file is malformed; the message lists each bad row and the fix."""


@dataclass(frozen=True)
class LabelTable:
    """Images with numeric targets per attribute.

    Attributes:
        paths: image paths, one per row.
        attribute_names: one name per column of ``values``.
        values: len(paths) x len(attribute_names) float64 array, NaN where an image
            has no target for an attribute.
    """

    paths: list[Path]
    attribute_names: list[str]
    values: np.ndarray

    def __post_init__(self) -> None:
        expected = (len(self.paths), len(self.attribute_names))
        if self.values.shape != expected:
            raise ValueError(
                f"values has shape {self.values.shape}, expected {expected} "
                "(images x attributes)"
            )
        if len(set(self.attribute_names)) != len(self.attribute_names):
            raise ValueError(f"attribute names repeat: {self.attribute_names}")

    def __len__(self) -> int:
        return len(self.paths)

    def column(self, name: str) -> np.ndarray:
        """Return the targets of attribute ``name``, NaN where missing (N floats)."""
        if name not in self.attribute_names:
            raise KeyError(
                f"attribute {name!r} is not in the table; it has {self.attribute_names}"
            )
        return self.values[:, self.attribute_names.index(name)]
