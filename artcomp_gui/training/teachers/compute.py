"""All five teachers on one image, sharing one analysis image."""

from __future__ import annotations

from artcomp_gui.training.teachers.analysis import ImageInput, as_analysis_image
from artcomp_gui.training.teachers.balancing_elements import balancing_elements
from artcomp_gui.training.teachers.color_harmony import color_harmony
from artcomp_gui.training.teachers.depth_of_field import low_depth_of_field_indicator
from artcomp_gui.training.teachers.light import light
from artcomp_gui.training.teachers.vivid_color import colorfulness

TEACHERS = {
    "balancing_elements": balancing_elements,
    "color_harmony": color_harmony,
    "depth_of_field": low_depth_of_field_indicator,
    "light": light,
    "vivid_color": colorfulness,
}
"""Attribute name to the function that measures its raw teacher value."""

TEACHER_NAMES = tuple(TEACHERS)
"""Attributes that have a teacher, in alphabetical order."""


def compute_teachers(image: ImageInput) -> dict[str, float]:
    """Measure every teacher's raw value on ``image``.

    The image is resized to the analysis size once, and the maps the teachers share
    (luma, hue, chroma, wavelet detail) are computed once.

    Args:
        image: PIL image or H x W x 3 uint8 array, already trimmed of letterbox bars
            (``artcomp_gui.training.borders.trim_uniform_border``).

    Returns:
        Attribute name (``TEACHER_NAMES``) to raw teacher value, each on its own
        scale; ``TeacherCalibration`` maps them to [-1, 1].
    """
    analysis = as_analysis_image(image)
    return {name: teacher(analysis) for name, teacher in TEACHERS.items()}
