"""The attribute network: backbone taps, pooled features, heads and activation maps."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from artcomp_gui.model.activation_map import compute_activation_maps
from artcomp_gui.model.attribute_head import AttributeHeads
from artcomp_gui.model.backbone import TAP_NAMES, build_resnet50_v1, forward_taps
from artcomp_gui.model.device import describe_device, select_device
from artcomp_gui.model.features import Features, compute_features, feature_dimension
from artcomp_gui.model.model_card import ModelCard, WeightFile
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import (
    MODEL_CARD_NAME,
    WeightsError,
    bundled_weights_dir,
    load_verified,
)

logger = logging.getLogger(__name__)


@dataclass
class Prediction:
    """Scores and activation maps of one image.

    Attributes:
        scores: attribute name to value on the card's range, in card order.
        maps: A x h x w float32 signed activation maps on the last-stage grid, in card
            order. ``maps[a].mean() + bias[a]`` is attribute a's pre-activation.
        overall: overall score on [0, 1], or None if the model has no overall head.
        overall_map: h x w activation map of the overall head, or None.
        input_size: (width, height) of the network input the image was resized to.
    """

    scores: dict[str, float]
    maps: np.ndarray
    overall: float | None
    overall_map: np.ndarray | None
    input_size: tuple[int, int]


class AttributeModel(nn.Module):
    """ResNet-50 taps, pooled features and linear attribute heads in one module.

    Args:
        backbone: ImageNet ResNet-50 in the v1 layout.
        heads: attribute heads whose width matches the card's design.
        card: the model card.
        flip_average: also score each image's mirror image and average the two, so a
            horizontal flip cannot change a score. Doubles the compute.
    """

    def __init__(
        self,
        backbone: nn.Module,
        heads: AttributeHeads,
        card: ModelCard,
        flip_average: bool = False,
    ):
        super().__init__()
        expected = feature_dimension(card.design)
        if heads.in_features != expected:
            raise WeightsError(
                f"heads read {heads.in_features} features, but design {card.design!r} "
                f"gives {expected}"
            )
        self.backbone = backbone.eval()
        self.heads = heads
        self.card = card
        self.flip_average = flip_average
        self.preprocess = Preprocessor(card.pixel_budget)

    @property
    def attribute_names(self) -> list[str]:
        return self.card.attribute_names

    @property
    def device(self) -> torch.device:
        return self.heads.weight.device

    @property
    def device_name(self) -> str:
        return describe_device(self.device)

    def features(self, images: torch.Tensor) -> Features:
        """Run the backbone and pool its taps. ``images`` is N x 3 x H x W, normalised."""
        taps = forward_taps(self.backbone, images)
        return compute_features(taps, self.card.design)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return pre-activations (N x A) and activation maps (N x A x h x w)."""
        if not self.flip_average:
            return self.forward_once(images)

        # The mirror image's maps are flipped back, so they stay aligned with the image,
        # and the averaged maps still sum to the averaged pre-activation.
        count = images.shape[0]
        both = torch.cat([images, torch.flip(images, dims=[-1])])
        pre_activation, maps = self.forward_once(both)
        pre_activation = (pre_activation[:count] + pre_activation[count:]) / 2
        maps = (maps[:count] + torch.flip(maps[count:], dims=[-1])) / 2
        return pre_activation, maps

    def forward_once(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Score the images as given, with no mirror image."""
        features = self.features(images)
        pre_activation = self.heads(features.vector)
        maps = compute_activation_maps(features, self.heads.weight)
        return pre_activation, maps

    @torch.inference_mode()
    def predict_batch(self, batch: torch.Tensor) -> list[Prediction]:
        """Score a batch of preprocessed images that share one size.

        Args:
            batch: N x 3 x H x W normalised images, from ``preprocess``.
        """
        batch = batch.to(self.device, non_blocking=True)
        batch = batch.contiguous(memory_format=torch.channels_last)
        pre_activation, maps = self(batch)
        outputs = self.heads.activate(pre_activation).float().cpu().numpy()
        maps = maps.float().cpu().numpy()

        count = len(self.card.attributes)
        input_size = (batch.shape[-1], batch.shape[-2])
        predictions = []
        for index in range(batch.shape[0]):
            has_overall = self.card.overall is not None
            predictions.append(
                Prediction(
                    scores=dict(
                        zip(self.attribute_names, outputs[index, :count].tolist())
                    ),
                    maps=maps[index, :count],
                    overall=float(outputs[index, count]) if has_overall else None,
                    overall_map=maps[index, count] if has_overall else None,
                    input_size=input_size,
                )
            )
        return predictions

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]:
        """Score RGB images of any size; images of equal input size share a batch."""
        tensors = [self.preprocess(image) for image in images]
        results: list[Prediction | None] = [None] * len(tensors)
        by_size: dict[tuple[int, ...], list[int]] = {}
        for index, tensor in enumerate(tensors):
            by_size.setdefault(tuple(tensor.shape), []).append(index)

        for indices in by_size.values():
            batch = torch.stack([tensors[i] for i in indices])
            for index, prediction in zip(indices, self.predict_batch(batch)):
                results[index] = prediction
        return results  # type: ignore[return-value]

    def describe(self) -> dict:
        """Return the model card, device, backbone sha256 and tapped layers as a dict."""
        return {
            "model_card": self.card.to_dict(),
            "device": str(self.device),
            "device_name": self.device_name,
            "backbone_sha256": self.card.backbone.sha256,
            "tapped_layers": list(TAP_NAMES),
            "feature_dimension": feature_dimension(self.card.design),
            "flip_average": self.flip_average,
        }


def load_backbone(folder: Path, record: WeightFile) -> nn.Module:
    """Build the v1 ResNet-50 and load its verified ImageNet weights."""
    backbone = build_resnet50_v1()
    state = load_verified(folder, record)
    missing, unexpected = backbone.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise WeightsError(
            f"{folder / record.file}: tensors do not match ResNet-50 "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    return backbone


def load_model(
    weights_dir: Path | str | None = None,
    device: str | None = None,
    flip_average: bool = False,
) -> AttributeModel:
    """Load a model from a folder with a model card, backbone and head weights.

    Args:
        weights_dir: folder holding ``model_card.json``; None for the bundled model.
        device: ``auto``, ``cpu``, ``cuda``, ``mps`` or None (see ``select_device``).
        flip_average: average each image's scores with its mirror image's.

    Raises:
        FileNotFoundError: if the folder has no model card.
        WeightsError: if a weight file is missing, altered or does not fit the card.
        ValueError: if the card or the device is invalid.
    """
    folder = Path(weights_dir) if weights_dir is not None else bundled_weights_dir()
    card_path = folder / MODEL_CARD_NAME
    if not card_path.is_file():
        raise FileNotFoundError(
            f"{card_path}: model card not found; pass the folder that holds it"
        )
    card = ModelCard.load(card_path)
    target = select_device(device)

    backbone = load_backbone(folder, card.backbone).eval()
    head_tensors = load_verified(folder, card.heads)
    try:
        heads = AttributeHeads(
            head_tensors["weight"], head_tensors["bias"], card.head_specs
        )
    except KeyError as error:
        raise WeightsError(
            f"{folder / card.heads.file}: missing tensor {error}"
        ) from error

    model = AttributeModel(backbone, heads, card, flip_average).to(target)
    model.backbone.to(memory_format=torch.channels_last)
    logger.info("model %r loaded on %s", card.name, describe_device(target))
    return model
