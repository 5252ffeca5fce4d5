"""Linear attribute heads on the pooled feature vector."""

from __future__ import annotations

import torch
from torch import nn

from artcomp_gui.model.model_card import AttributeSpec


class AttributeHeads(nn.Module):
    """One linear head per attribute, stored as one A x D matrix.

    Row a computes the pre-activation ``w_a . f + b_a`` of attribute a. The output
    nonlinearity comes from the model card: tanh for attributes on [-1, 1], a sigmoid
    for an overall score on [0, 1], followed by an affine map to the card's range.
    """

    def __init__(
        self, weight: torch.Tensor, bias: torch.Tensor, specs: tuple[AttributeSpec, ...]
    ):
        super().__init__()
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(
                f"head weight {tuple(weight.shape)} and bias {tuple(bias.shape)} do not match"
            )
        if weight.shape[0] != len(specs):
            raise ValueError(
                f"heads have {weight.shape[0]} rows but the model card lists {len(specs)} heads"
            )
        self.register_buffer("weight", weight.float().contiguous())
        self.register_buffer("bias", bias.float().contiguous())
        self.specs = specs

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    def forward(self, vector: torch.Tensor) -> torch.Tensor:
        """Return the pre-activations, N x A, for normalised feature vectors N x D."""
        return vector @ self.weight.T + self.bias

    def activate(self, pre_activation: torch.Tensor) -> torch.Tensor:
        """Map pre-activations (N x A) to each attribute's output range."""
        outputs = []
        for index, spec in enumerate(self.specs):
            column = pre_activation[:, index]
            if spec.activation == "tanh":
                unit = (torch.tanh(column) + 1) / 2
            elif spec.activation == "sigmoid":
                unit = torch.sigmoid(column)
            else:
                outputs.append(column)
                continue
            outputs.append(spec.low + (spec.high - spec.low) * unit)
        return torch.stack(outputs, dim=1)
