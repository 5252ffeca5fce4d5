"""ImageNet ResNet-50 in the v1 layout, with the outputs of its sixteen bottleneck blocks."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet50
from torchvision.models.resnet import ResNet

STAGES = ("layer1", "layer2", "layer3", "layer4")
BLOCKS_PER_STAGE = (3, 4, 6, 3)
TAP_CHANNELS = (256,) * 3 + (512,) * 4 + (1024,) * 6 + (2048,) * 3
TAP_NAMES = tuple(
    f"{stage}.{i}" for stage, n in zip(STAGES, BLOCKS_PER_STAGE) for i in range(n)
)


def build_resnet50_v1() -> ResNet:
    """Build an untrained torchvision ResNet-50 with the stride of v1.

    Torchvision's ResNet-50 is v1.5: the first block of layer2, layer3 and layer4 strides on
    its 3x3 convolution. The Caffe and Keras weights are v1, which strides on the first 1x1
    convolution instead, so the stride moves there. Nothing else changes.
    """
    model = resnet50(weights=None)
    for stage in STAGES[1:]:
        block = getattr(model, stage)[0]
        block.conv1.stride = (2, 2)
        block.conv2.stride = (1, 1)
    return model


def forward_taps(model: ResNet, images: torch.Tensor) -> list[torch.Tensor]:
    """Run the convolutional part of ``model`` and return every bottleneck block's output.

    Args:
        images: normalised RGB batch, N x 3 x H x W.

    Returns:
        Sixteen feature maps, each N x C x h x w, taken after the residual add and ReLU, in
        the order of ``TAP_NAMES``.
    """
    x = model.conv1(images)
    x = model.bn1(x)
    x = model.relu(x)
    x = model.maxpool(x)

    taps = []
    for stage in STAGES:
        for block in getattr(model, stage):
            x = block(x)
            taps.append(x)
    return taps


def classify(model: ResNet, images: torch.Tensor) -> torch.Tensor:
    """Return ImageNet logits (N x 1000) from the backbone's own classifier."""
    last = forward_taps(model, images)[-1]
    return model.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(last, 1), 1))
