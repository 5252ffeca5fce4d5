"""Label readers: AVT rater decisions and label CSV files, as ``LabelTable`` rows.

Attribute names are snake_case everywhere: ``balancing_elements``, ``color_harmony``,
``content``, ``depth_of_field``, ``light``, ``motion_blur``, ``object_emphasis``,
``repetition``, ``rule_of_thirds``, ``symmetry``, ``vivid_color`` and ``score``.
"""

from artcomp_gui.training.avt_ratings import (
    AVT_ANNOTATION_FILES,
    AVT_RATERS,
    avt_label_table,
    count_avt_raters,
    rater_agreements,
    read_avt_decisions,
    read_avt_ratings,
    single_rater_agreement,
    spearman_correlation,
)
from artcomp_gui.training.label_csv import (
    AADB_COLUMNS,
    read_aadb_csv,
    read_generic_csv,
)
from artcomp_gui.training.label_table import LabelFileError, LabelTable

__all__ = [
    "AADB_COLUMNS",
    "AVT_ANNOTATION_FILES",
    "AVT_RATERS",
    "LabelFileError",
    "LabelTable",
    "avt_label_table",
    "count_avt_raters",
    "rater_agreements",
    "read_aadb_csv",
    "read_avt_decisions",
    "read_avt_ratings",
    "read_generic_csv",
    "single_rater_agreement",
    "spearman_correlation",
]
