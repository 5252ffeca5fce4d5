"""Percentile calibration of raw teacher values to [-1, 1]."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from artcomp_gui.training.teachers import TeacherCalibration


def fitted() -> TeacherCalibration:
    rng = np.random.default_rng(0)
    return TeacherCalibration.fit(
        {
            "vivid_color": rng.gamma(2.0, 15.0, size=2000),
            "depth_of_field": rng.uniform(0.1, 0.6, size=2000),
        }
    )


def test_fit_maps_median_to_zero():
    calibration = TeacherCalibration.fit({"light": np.arange(1001.0)})
    assert calibration.transform("light", 500.0) == pytest.approx(0.0, abs=1e-9)
    assert calibration.transform("light", 10.0) == pytest.approx(-1.0)
    assert calibration.transform("light", 990.0) == pytest.approx(1.0)


def test_transform_clips_outside():
    calibration = TeacherCalibration.fit({"light": np.arange(1001.0)})
    assert calibration.transform("light", -50.0) == -1.0
    assert calibration.transform("light", 5000.0) == 1.0


def test_transform_follows_rank():
    raw = np.random.default_rng(1).lognormal(size=5000)
    calibration = TeacherCalibration.fit({"vivid_color": raw})
    targets = calibration.transform("vivid_color", raw)
    assert targets.shape == raw.shape
    assert np.all(np.diff(targets[np.argsort(raw)]) >= 0)
    inner = (raw > np.quantile(raw, 0.01)) & (raw < np.quantile(raw, 0.99))
    # Between the 1st and 99th percentile, targets spread almost evenly.
    assert np.quantile(targets[inner], 0.25) == pytest.approx(-0.5, abs=0.05)
    assert np.quantile(targets[inner], 0.75) == pytest.approx(0.5, abs=0.05)


def test_round_trip_through_json():
    calibration = fitted()
    restored = TeacherCalibration.from_dict(
        json.loads(json.dumps(calibration.to_dict()))
    )
    assert restored == calibration
    probe = np.linspace(-10.0, 120.0, 57)
    for name in calibration.names:
        assert np.array_equal(
            restored.transform(name, probe), calibration.transform(name, probe)
        )


def test_tied_quantiles_merged():
    raw = np.concatenate([np.zeros(600), np.linspace(0.1, 5.0, 400)])
    calibration = TeacherCalibration.fit({"color_harmony": -raw})
    at_zero = calibration.transform("color_harmony", 0.0)
    assert -1.0 <= at_zero <= 1.0
    assert calibration.transform("color_harmony", -3.0) < at_zero


def test_constant_teacher_maps_to_zero():
    with pytest.warns(RuntimeWarning, match="every raw value"):
        calibration = TeacherCalibration.fit({"light": np.full(50, 0.7)})
    assert calibration.transform("light", 0.7) == 0.0
    assert calibration.transform("light", 3.0) == 0.0


def test_non_finite_values_ignored():
    with pytest.warns(RuntimeWarning, match="non-finite"):
        calibration = TeacherCalibration.fit(
            {"light": np.array([0.0, 1.0, np.nan, 2.0, np.inf])}
        )
    assert calibration.quantiles["light"][-1] <= 2.0
    assert math.isnan(calibration.transform("light", math.nan))


def test_fit_without_values_rejected():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="no finite"):
            TeacherCalibration.fit({"light": np.array([np.nan])})


def test_unknown_teacher_rejected():
    with pytest.raises(KeyError, match="symmetry"):
        fitted().transform("symmetry", 0.0)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "something-else"},
        {"version": 99},
        {"quantile_levels": [0.5]},
        {"quantiles": {"light": [3.0, 2.0, 1.0, 0, 0, 0, 0, 0, 0]}},
        {"quantiles": {"light": [0.0, 1.0]}},
    ],
)
def test_from_dict_rejects_invalid(change):
    data = fitted().to_dict()
    data.update(change)
    with pytest.raises(ValueError):
        TeacherCalibration.from_dict(data)


def test_from_dict_rejects_non_mapping():
    with pytest.raises(TypeError):
        TeacherCalibration.from_dict([1, 2, 3])
