"""Ridge-regression attribute heads, fitted in the dual with k-fold penalty selection.

The feature vectors are long (15,104 or 33,536 values) and the training sets are a few
thousand images, so the heads are fitted through the n x n Gram matrix K = X X^T. Every attribute that
trains on the same images shares one Cholesky factorisation per penalty and fold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import spearmanr

logger = logging.getLogger(__name__)

DEFAULT_PENALTIES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)


@dataclass
class RidgeFit:
    """A fitted linear head: prediction = features @ weight + bias."""

    weight: np.ndarray
    bias: float
    penalty: float


@dataclass
class CrossValidation:
    """Out-of-fold predictions and the penalty chosen by them.

    Attributes:
        penalty: the penalty, relative to mean(diag(K)), with the best mean Spearman.
        spearman_by_penalty: mean held-out Spearman over folds for every penalty.
        predictions: out-of-fold predictions at the chosen penalty, one per sample
            that some fold held out, NaN elsewhere.
    """

    penalty: float
    spearman_by_penalty: dict[float, float]
    predictions: np.ndarray


def centre_gram(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre a Gram matrix as if the features had their mean removed.

    Returns:
        The centred matrix, the row means and the overall mean of the original.
    """
    row_mean = gram.mean(axis=1)
    total_mean = float(row_mean.mean())
    centred = gram - row_mean[:, None] - row_mean[None, :] + total_mean
    return centred, row_mean, total_mean


class DualRidge:
    """Ridge regression in the dual for one training set, many targets and penalties.

    Each penalty costs one Cholesky factorisation of the n x n centred Gram matrix, and
    all targets that share the training set are solved with it at once.

    Args:
        gram: n x n Gram matrix of the training features.
    """

    def __init__(self, gram: np.ndarray):
        centred, self.row_mean, self.total_mean = centre_gram(gram.astype(np.float64))
        self.centred = torch.from_numpy(centred)
        self.scale = float(np.mean(np.diag(centred)))

    def dual_coefficients(
        self, targets: np.ndarray, penalty: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Solve for one penalty, relative to mean(diag(K)).

        Args:
            targets: n x T targets.

        Returns:
            alpha (n x T) and the target means (T).
        """
        mean = targets.mean(axis=0)
        system = self.centred.clone()
        system.diagonal().add_(penalty * self.scale)
        factor = torch.linalg.cholesky(system)
        right = torch.from_numpy(np.ascontiguousarray(targets - mean, dtype=np.float64))
        alpha = torch.cholesky_solve(right, factor).numpy()
        return alpha, mean

    def predict(
        self, cross_gram: np.ndarray, alpha: np.ndarray, mean: np.ndarray
    ) -> np.ndarray:
        """Predict for new samples from their Gram rows against the training set (m x n)."""
        centred = (
            cross_gram - cross_gram.mean(axis=1, keepdims=True) - self.row_mean[None, :]
        )
        centred = centred + self.total_mean
        return centred @ alpha + mean


def fold_of_groups(groups: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Assign each sample to a fold so that all samples of a group share one."""
    unique = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of_unique = np.empty(len(unique), dtype=int)
    fold_of_unique[order] = np.arange(len(unique)) % folds
    return fold_of_unique[np.searchsorted(unique, groups)]


def cross_validate_columns(
    gram: np.ndarray,
    targets: np.ndarray,
    groups: np.ndarray,
    evaluate: np.ndarray,
    folds: int,
    seed: int,
    penalties: tuple[float, ...] = DEFAULT_PENALTIES,
) -> list[CrossValidation]:
    """Choose each column's ridge penalty by k-fold cross-validation on Spearman.

    Args:
        gram: n x n Gram matrix over all samples.
        targets: n x T targets of attributes that share the samples and the folds.
        groups: n group ids. Samples of one group (an image and its flipped copy)
            are always in the same fold, so no image is scored by a head that saw it.
        evaluate: n booleans. Only these samples are scored on held-out folds, for
            example the unflipped originals.
        folds: number of folds.
        seed: seed of the fold assignment.
        penalties: candidate penalties, relative to mean(diag(K)).

    Returns:
        One result per column of ``targets``.
    """
    fold = fold_of_groups(groups, folds, seed)
    columns = targets.shape[1]
    predictions = {p: np.full(targets.shape, np.nan) for p in penalties}
    spearman = {p: np.zeros((folds, columns)) for p in penalties}

    for k in range(folds):
        train = np.flatnonzero(fold != k)
        test = np.flatnonzero((fold == k) & evaluate)
        logger.info(
            "fold %d of %d: %d training samples, %d held out",
            k + 1,
            folds,
            len(train),
            len(test),
        )
        solver = DualRidge(gram[np.ix_(train, train)])
        cross = gram[np.ix_(test, train)]

        for penalty in penalties:
            alpha, mean = solver.dual_coefficients(targets[train], penalty)
            predicted = solver.predict(cross, alpha, mean)
            predictions[penalty][test] = predicted
            for column in range(columns):
                rho = spearmanr(predicted[:, column], targets[test, column]).statistic
                spearman[penalty][k, column] = rho

    results = []
    for column in range(columns):
        by_penalty = {p: float(np.nanmean(spearman[p][:, column])) for p in penalties}
        best = max(penalties, key=lambda p: by_penalty[p])
        results.append(CrossValidation(best, by_penalty, predictions[best][:, column]))
    return results


def fit_ridge_columns(
    features: np.ndarray, gram: np.ndarray, targets: np.ndarray, penalties: list[float]
) -> list[RidgeFit]:
    """Fit one head per column of ``targets`` on all samples, sharing one decomposition.

    Args:
        features: n x D training features (the rows that ``gram`` was built from).
        gram: n x n Gram matrix of ``features``.
        targets: n x T targets.
        penalties: T penalties relative to mean(diag(K)) of the centred Gram matrix.

    Returns:
        T heads in primal form: prediction = features @ weight + bias.
    """
    solver = DualRidge(gram)
    feature_mean = features.mean(axis=0, dtype=np.float64)
    fits = []
    for column, penalty in enumerate(penalties):
        alpha, mean = solver.dual_coefficients(targets[:, column : column + 1], penalty)
        # The centred solution has sum(alpha) = 0, so w = X^T alpha needs no centring.
        weight = (alpha[:, 0].astype(np.float32) @ features).astype(np.float64)
        bias = float(mean[0]) - float(feature_mean @ weight)
        fits.append(RidgeFit(weight.astype(np.float32), bias, penalty))
    return fits
