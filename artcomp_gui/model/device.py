"""Choice of the torch device: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import logging
import os

import torch

logger = logging.getLogger(__name__)

DEVICE_ENVIRONMENT_VARIABLE = "ARTCOMP_DEVICE"


def select_device(requested: str | None = None) -> torch.device:
    """Return the device to run on.

    Args:
        requested: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or None.
            None reads ``ARTCOMP_DEVICE`` and falls back to ``"auto"``.

    Raises:
        ValueError: if the requested device is unknown or not available here.
    """
    name = requested or os.environ.get(DEVICE_ENVIRONMENT_VARIABLE) or "auto"
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")

    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ValueError(
            f"unknown device {name!r}; use auto, cpu, cuda or mps"
        ) from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {name!r} requested, but torch finds no CUDA GPU; use cpu"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device {name!r} requested, but Apple MPS is not available; use cpu"
        )
    return device


def describe_device(device: torch.device) -> str:
    """Return a name for the status bar: ``CPU`` or the GPU's name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return "CPU"
