"""Dual ridge heads: same solution as the primal, honest folds, penalty choice."""

from __future__ import annotations

import numpy as np
import pytest

from artcomp_gui.training.ridge import (
    cross_validate_columns,
    fit_ridge_columns,
    fold_of_groups,
)


def cross_validate(gram, targets, groups, evaluate, folds, seed):
    return cross_validate_columns(
        gram, targets[:, None], groups, evaluate, folds, seed
    )[0]


def linear_problem(
    samples: int = 120, dimension: int = 40, noise: float = 0.1, seed: int = 0
):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(samples, dimension)).astype(np.float32)
    weight = rng.normal(size=dimension)
    targets = features @ weight + 0.7 + noise * rng.normal(size=samples)
    gram = features.astype(np.float64) @ features.T.astype(np.float64)
    return features, gram, targets


def test_dual_matches_primal_ridge():
    features, gram, targets = linear_problem()
    penalty = 0.05
    fit = fit_ridge_columns(features, gram, targets[:, None], [penalty])[0]

    centred = features - features.mean(axis=0)
    scaled = penalty * np.mean(np.sum(centred**2, axis=1))
    system = centred.T @ centred + scaled * np.eye(features.shape[1])
    expected = np.linalg.solve(system, centred.T @ (targets - targets.mean()))
    expected_bias = targets.mean() - features.mean(axis=0) @ expected

    np.testing.assert_allclose(fit.weight, expected, atol=1e-4)
    assert fit.bias == pytest.approx(expected_bias, abs=1e-4)


def test_columns_fit_independently():
    features, gram, targets = linear_problem()
    both = np.stack([targets, -2 * targets], axis=1)
    fits = fit_ridge_columns(features, gram, both, [0.01, 0.01])
    np.testing.assert_allclose(
        fits[1].weight, -2 * fits[0].weight, rtol=1e-4, atol=1e-5
    )


def test_groups_share_a_fold():
    groups = np.repeat(np.arange(50), 2)
    folds = fold_of_groups(groups, 5, seed=3)
    assert (folds[0::2] == folds[1::2]).all()
    assert sorted(np.unique(folds).tolist()) == [0, 1, 2, 3, 4]


def test_cross_validation_prefers_small_penalty_on_clean_data():
    features, gram, targets = linear_problem(noise=0.01)
    result = cross_validate(
        gram, targets, np.arange(len(targets)), np.ones(len(targets), bool), 5, 0
    )
    assert result.penalty <= 0.01
    assert result.spearman_by_penalty[result.penalty] > 0.95
    assert not np.isnan(result.predictions).any()


def test_cross_validation_scores_only_evaluated_samples():
    features, gram, targets = linear_problem()
    evaluate = np.zeros(len(targets), dtype=bool)
    evaluate[::2] = True
    result = cross_validate(gram, targets, np.arange(len(targets)), evaluate, 4, 0)
    assert not np.isnan(result.predictions[evaluate]).any()
    assert np.isnan(result.predictions[~evaluate]).all()


def test_noise_targets_give_low_spearman():
    features, gram, _ = linear_problem()
    noise = np.random.default_rng(9).normal(size=len(features))
    result = cross_validate(
        gram, noise, np.arange(len(noise)), np.ones(len(noise), bool), 5, 0
    )
    assert result.spearman_by_penalty[result.penalty] < 0.4
