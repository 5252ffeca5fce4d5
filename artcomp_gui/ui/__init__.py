"""Qt (PySide6) desktop explorer: image view, attribute bars, heatmaps, folder scoring.

Importing this package imports Qt. The model layer in ``artcomp_gui.model`` does not,
so the command-line scorer runs without a display.
"""
