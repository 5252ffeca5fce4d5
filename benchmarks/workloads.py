"""Models and inputs that the benchmarks time: the attribute model, a bare ResNet-50,
and batches of real paintings."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn
from torchvision.models import resnet50

from artcomp_gui.image_loader import IMAGE_EXTENSIONS, load_image
from artcomp_gui.model import AttributeModel, load_model
from artcomp_gui.model.attribute_head import AttributeHeads
from artcomp_gui.model.attribute_model import load_backbone
from artcomp_gui.model.device import select_device
from artcomp_gui.model.features import feature_dimension
from artcomp_gui.model.model_card import AttributeSpec, ModelCard, WeightFile
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import (
    MODEL_CARD_NAME,
    RESNET50_IMAGENET,
    bundled_weights_dir,
    load_verified,
    sha256_of,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
# The paintings the tests read: 4,200 WikiArt paintings at 224 x 224 in style folders.
DEFAULT_PAINTINGS = REPO_ROOT.parent / "shared" / "data" / "wikiart224"

ATTRIBUTE_COUNT = 7
HEADS_FILE = "heads.safetensors"
DESIGNS = ("taps", "taps+grid")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--device``, ``--model``, ``--design`` and ``--paintings`` to a parser."""
    parser.add_argument(
        "--device",
        default="cpu",
        help="torch device: cpu, cuda or cuda:N (default cpu)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="DIR",
        help="model folder with model_card.json (default: the bundled model, or the "
        "bundled backbone with seeded random heads while no trained heads are "
        "installed; the timing does not depend on head values)",
    )
    parser.add_argument(
        "--design",
        choices=DESIGNS,
        default="taps+grid",
        help="feature design of the random heads, if they are used (default "
        "taps+grid, the shipped one)",
    )
    parser.add_argument(
        "--paintings",
        type=Path,
        default=DEFAULT_PAINTINGS,
        metavar="DIR",
        help="folder of painting folders to draw input images from "
        "(default: the paintings the tests read)",
    )


def random_heads(design: str, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Return seeded random head weights (A x D) and biases (A) for ``design``."""
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(
        ATTRIBUTE_COUNT, feature_dimension(design), generator=generator
    )
    return weight, torch.randn(ATTRIBUTE_COUNT, generator=generator)


def random_head_card(design: str, heads: WeightFile) -> ModelCard:
    specs = tuple(
        AttributeSpec(name=f"attribute_{i}", label=f"Attribute {i}", order=i)
        for i in range(ATTRIBUTE_COUNT)
    )
    return ModelCard(
        name="benchmark model (random heads)",
        design=design,
        attributes=specs,
        backbone=RESNET50_IMAGENET,
        heads=heads,
    )


def random_head_model(
    design: str, device: torch.device, seed: int = 0
) -> AttributeModel:
    """Build the attribute model with the bundled backbone and seeded random heads.

    The heads have the shipped shape (seven attributes, no overall score), so the
    model does exactly the work of a trained one. Its scores mean nothing.
    """
    card = random_head_card(design, WeightFile(HEADS_FILE, "0" * 64))
    weight, bias = random_heads(design, seed)
    heads = AttributeHeads(weight, bias, card.head_specs)
    backbone = load_backbone(bundled_weights_dir(), RESNET50_IMAGENET)
    model = AttributeModel(backbone, heads, card).to(device)
    # The same layout as load_model, which the product uses.
    model.backbone.to(memory_format=torch.channels_last)
    return model


def write_random_head_model(folder: Path, design: str, seed: int = 0) -> Path:
    """Write a model folder with the bundled backbone (linked) and random heads.

    The command-line scorer loads it with ``--model``, for timing before trained
    heads exist. Returns ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    backbone = folder / RESNET50_IMAGENET.file
    if not backbone.exists():
        backbone.symlink_to(bundled_weights_dir() / RESNET50_IMAGENET.file)
    weight, bias = random_heads(design, seed)
    save_file({"weight": weight, "bias": bias}, str(folder / HEADS_FILE))
    heads = WeightFile(HEADS_FILE, sha256_of(folder / HEADS_FILE))
    random_head_card(design, heads).save(folder / MODEL_CARD_NAME)
    return folder


def benchmark_model(args: argparse.Namespace) -> AttributeModel:
    """Load the model named by ``--model``, else the bundled one if it is installed.

    Without trained heads installed, build the random-head model, which does the
    same work.
    """
    device = select_device(args.device)
    if args.model is not None or bundled_model_available():
        return load_model(args.model, str(device))
    print("no trained heads installed: using random heads (the timing is the same)")
    return random_head_model(args.design, device)


def bare_resnet50(
    device: torch.device, memory_format: torch.memory_format = torch.channels_last
) -> nn.Module:
    """Build a plain ``torchvision.models.resnet50`` with the bundled ImageNet weights.

    Torchvision's network is ResNet-50 v1.5, which strides on the 3x3 convolution of
    the first block of layer2 to layer4. The weights have the same shapes as the v1
    weights the attribute model uses, so they load unchanged. Real weights keep the
    activations realistic, so no timing depends on denormal or zero values.
    """
    model = resnet50(weights=None)
    model.load_state_dict(load_verified(bundled_weights_dir(), RESNET50_IMAGENET))
    return model.eval().to(device).to(memory_format=memory_format)


def bundled_model_available() -> bool:
    return (bundled_weights_dir() / MODEL_CARD_NAME).is_file()


def sample_paintings(folder: Path, count: int) -> list[Path]:
    """Pick ``count`` paintings, taking one from each style folder in turn.

    Each style folder is read in name order, so the same call picks the same files.
    Image files directly in ``folder`` count as one more style.

    Raises:
        FileNotFoundError: if ``folder`` does not exist.
        ValueError: if it contains fewer than ``count`` images.
    """
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: painting folder not found; pass one with --paintings"
        )
    groups = [sorted(path for path in folder.iterdir() if is_image(path))]
    for style in sorted(path for path in folder.iterdir() if path.is_dir()):
        groups.append(sorted(path for path in style.iterdir() if is_image(path)))

    picked = [
        path
        for round_ in itertools.zip_longest(*groups)
        for path in round_
        if path is not None
    ]
    if len(picked) < count:
        raise ValueError(
            f"{folder}: {len(picked)} images found, {count} needed; pass a larger "
            "folder with --paintings or ask for fewer images"
        )
    return picked[:count]


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS


def load_batch(paths: list[Path], preprocess: Preprocessor) -> torch.Tensor:
    """Decode and preprocess images of one input size into an N x 3 x H x W batch.

    Raises:
        ValueError: if the images do not all preprocess to the same size.
    """
    tensors = [preprocess(load_image(path)) for path in paths]
    shapes = {tuple(tensor.shape) for tensor in tensors}
    if len(shapes) != 1:
        raise ValueError(
            f"images preprocess to several sizes {sorted(shapes)}; pass images that "
            "share one aspect ratio"
        )
    return torch.stack(tensors)
