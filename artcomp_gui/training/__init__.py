"""Training data for the attribute heads: label readers, teachers, border trimming."""
