"""Fine-tuning of the backbone together with the ridge-initialised attribute heads.

The ridge heads are fitted on frozen ImageNet features. With a GPU, users can then
unfreeze the backbone: the heads start from the ridge solution and train with a
learning rate 100 times the backbone's, on the same targets and input policy. Batch
norm statistics stay frozen, since batches of variable-size images are small.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn
from tqdm import tqdm

from artcomp_gui.image_loader import ImageLoadError, load_image
from artcomp_gui.model.attribute_model import AttributeModel, load_model
from artcomp_gui.model.device import select_device
from artcomp_gui.model.model_card import ModelCard, WeightFile
from artcomp_gui.model.weights import sha256_of
from artcomp_gui.training.borders import trim_uniform_border
from artcomp_gui.training.config import TrainingConfig
from artcomp_gui.training.train import HEADS_FILE, to_pre_activation

logger = logging.getLogger(__name__)

FINETUNED_BACKBONE_FILE = "resnet50_finetuned.safetensors"
HEAD_LEARNING_RATE_FACTOR = 100.0


def freeze_batch_norm(model: nn.Module) -> None:
    """Keep every batch norm layer in eval mode with fixed parameters."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()
            for parameter in module.parameters():
                parameter.requires_grad_(False)


def make_optimizer(
    model: AttributeModel, learning_rate: float
) -> torch.optim.Optimizer:
    model.heads.weight = nn.Parameter(model.heads.weight)
    model.heads.bias = nn.Parameter(model.heads.bias)
    backbone = [p for p in model.backbone.parameters() if p.requires_grad]
    return torch.optim.AdamW(
        [
            {"params": backbone, "lr": learning_rate},
            {
                "params": [model.heads.weight, model.heads.bias],
                "lr": learning_rate * HEAD_LEARNING_RATE_FACTOR,
            },
        ],
        weight_decay=1e-4,
    )


def training_step(
    model: AttributeModel,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    targets: torch.Tensor,
) -> float:
    """Run one optimisation step on a batch; NaN targets do not count in the loss.

    Args:
        images: N x 3 x H x W normalised images of one size.
        targets: N x A pre-activation targets (atanh of the attribute targets).

    Returns:
        The batch's mean squared error on the known targets.
    """
    model.train()
    freeze_batch_norm(model.backbone)
    images = images.to(model.device).contiguous(memory_format=torch.channels_last)
    targets = targets.to(model.device)
    known = ~torch.isnan(targets)
    if not known.any():
        return float("nan")

    pre_activation, _ = model(images)
    loss = ((pre_activation - torch.nan_to_num(targets)) ** 2)[known].mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def finetune(
    config: TrainingConfig,
    output: Path,
    epochs: int = 3,
    learning_rate: float = 1e-5,
    device: str | None = None,
) -> ModelCard:
    """Fine-tune the model in ``output`` (ridge heads already written) and save it there.

    The fine-tuned backbone is written as a new file, and the card points to it.
    """
    from artcomp_gui.training.train import load_features, calibrate_teachers
    from artcomp_gui.training.training_data import gather_training_set

    model = load_model(output, device=str(select_device(device)))
    training_set = gather_training_set(config)
    _, measures = load_features(config, training_set.images)
    targets = training_set.targets.copy()
    teacher_names = [a.name for a in config.attributes if a.target == "teacher"]
    if teacher_names:
        trainable = ~training_set.holdout & np.array([m is not None for m in measures])
        calibration = calibrate_teachers(measures, trainable, config.attributes)
        for column, attribute in enumerate(config.attributes):
            if attribute.name in teacher_names:
                for index, values in enumerate(measures):
                    if values:
                        targets[index, column] = calibration.transform(
                            attribute.name, values[attribute.name]
                        )

    pre_targets = np.stack(
        [to_pre_activation(targets[:, i], a) for i, a in enumerate(config.attributes)],
        axis=1,
    )
    order = np.flatnonzero(~training_set.holdout)
    optimizer = make_optimizer(model, learning_rate)
    rng = np.random.default_rng(config.seed)

    for epoch in range(epochs):
        losses = []
        for index in tqdm(
            rng.permutation(order), desc=f"fine-tuning epoch {epoch + 1}", unit="image"
        ):
            item = training_set.images[index]
            try:
                image = load_image(item.path)
            except ImageLoadError as error:
                logger.warning("skipped: %s", error)
                continue
            if item.trim_borders:
                image = trim_uniform_border(image)
            tensor = model.preprocess(image)[None]
            if rng.random() < 0.5:
                tensor = torch.flip(tensor, dims=[-1])
            target = torch.from_numpy(pre_targets[index : index + 1]).float()
            losses.append(training_step(model, optimizer, tensor, target))
        logger.info("epoch %d: mean squared error %.4f", epoch + 1, np.nanmean(losses))

    return save_finetuned(model, output)


def save_finetuned(model: AttributeModel, output: Path) -> ModelCard:
    """Write backbone (float16) and heads of a fine-tuned model with an updated card."""
    model.eval()
    backbone_state = {
        name: tensor.detach().to(torch.float16).cpu().contiguous()
        for name, tensor in model.backbone.state_dict().items()
        if not name.endswith("num_batches_tracked")
    }
    backbone_path = output / FINETUNED_BACKBONE_FILE
    save_file(backbone_state, str(backbone_path))
    heads_path = output / HEADS_FILE
    save_file(
        {
            "weight": model.heads.weight.detach().cpu().contiguous(),
            "bias": model.heads.bias.detach().cpu().contiguous(),
        },
        str(heads_path),
    )
    card = replace(
        model.card,
        backbone=WeightFile(
            FINETUNED_BACKBONE_FILE,
            sha256_of(backbone_path),
            "fine-tuned by artcomp train --finetune",
        ),
        heads=WeightFile(
            HEADS_FILE, sha256_of(heads_path), "fine-tuned with the backbone"
        ),
        training={**model.card.training, "finetuned": True},
    )
    card.save(output / "model_card.json")
    return card
