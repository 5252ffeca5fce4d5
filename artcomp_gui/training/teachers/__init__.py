"""Published computational measures that serve as training targets (teachers).

Each module computes one attribute's measure from its published definition; see the
module docstrings for formulas and sources. ``compute_teachers`` runs all of them.
"""

from artcomp_gui.training.teachers.analysis import (
    ANALYSIS_LONG_SIDE,
    AnalysisImage,
)
from artcomp_gui.training.teachers.calibration import TeacherCalibration
from artcomp_gui.training.teachers.compute import (
    TEACHER_NAMES,
    TEACHERS,
    compute_teachers,
)

__all__ = [
    "ANALYSIS_LONG_SIDE",
    "TEACHERS",
    "TEACHER_NAMES",
    "AnalysisImage",
    "TeacherCalibration",
    "compute_teachers",
]
