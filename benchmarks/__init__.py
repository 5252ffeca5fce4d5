"""Benchmark scripts; run each from the repository root as ``python -m benchmarks.NAME``.

BENCHMARKS.md lists the measured figures and the command behind each.
"""
