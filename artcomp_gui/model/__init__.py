"""Headless model layer: no Qt here, so the scorer, training and tests run without a display."""

from artcomp_gui.model.activation_map import compute_activation_maps, upsample_maps
from artcomp_gui.model.attribute_model import AttributeModel, Prediction, load_model
from artcomp_gui.model.model_card import AttributeSpec, ModelCard, WeightFile
from artcomp_gui.model.weights import WeightsError

__all__ = [
    "AttributeModel",
    "AttributeSpec",
    "ModelCard",
    "Prediction",
    "WeightFile",
    "WeightsError",
    "compute_activation_maps",
    "load_model",
    "upsample_maps",
]
