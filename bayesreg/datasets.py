"""The lecture's data generators and a shipped real data set.

* :func:`make_lecture_wide` — the L1 lecture: N = 50, D = 50, X uniform in
  [−5, 5], true w = [1, 0.5, −0.5, 0, …, 0],
  y = round(σ(X·w + 0.5·noise)).  (The lecture's printed code drops ``X·w``
  inside the sigmoid; without it y is pure noise, so it is put back here.)
* :func:`make_gaussian_clouds` — the L2 lecture: two Gaussian clouds centred at
  (2, 2) and (−2, −2) with identity covariance, whose Bayes classifier is
  η = 4x₁ + 4x₂ (w = [0, 4, 4] with the bias first).
* :func:`load_breast_cancer` — scikit-learn's breast-cancer data (569 × 30),
  optionally standardized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .likelihoods import sigmoid
from .validation import check_bool, check_int, check_real

__all__ = ["Dataset", "make_lecture_wide", "make_gaussian_clouds", "load_breast_cancer"]


@dataclass
class Dataset:
    """Features, targets, and the truth when the generator knows it."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    description: str
    coef: np.ndarray | None = None
    intercept: float | None = None
    scale: np.ndarray | None = None  # column sds divided out, when standardized
    dummies: tuple[str, ...] = ()  # 0/1 columns made by encoding categorical data (standardization leaves them)
    notes: tuple[str, ...] = ()  # what was done to the data on the way in, for reports
    labels: np.ndarray | None = None  # the target's distinct values where y is a Dask Series (found once)
    n_rows: int | None = None  # the number of rows where X is a Dask DataFrame (len would be a pass)

    @property
    def n_samples(self) -> int:
        return int(self.n_rows if self.n_rows is not None else np.shape(self.X)[0])


def make_lecture_wide(n_samples: int = 50, n_features: int = 50, seed: int | None = 0,
                      noise_sd: float = 0.5) -> Dataset:
    """The lecture's wide L1 data set (N = D = 50 by default)."""
    n = check_int(n_samples, "n_samples", 1)
    d = check_int(n_features, "n_features", 3)
    noise_sd = check_real(noise_sd, "noise_sd", low=0.0)
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) - 0.5) * 10.0
    w = np.zeros(d)
    w[:3] = [1.0, 0.5, -0.5]
    y = np.round(sigmoid(X @ w + rng.standard_normal(n) * noise_sd))
    return Dataset(X=X, y=y, feature_names=[f"x{j}" for j in range(d)], coef=w, intercept=0.0,
                   description=f"lecture wide data: N={n}, D={d}, X ~ U[-5, 5], true w = [1, 0.5, -0.5, 0, ...]")


def make_gaussian_clouds(n_per_class: int = 50, seed: int | None = 0, centre: float = 2.0) -> Dataset:
    """Two unit-variance Gaussian clouds at (c, c) (y = 1) and (−c, −c) (y = 0)."""
    n = check_int(n_per_class, "n_per_class", 1)
    centre = check_real(centre, "centre")
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.standard_normal((n, 2)) + centre, rng.standard_normal((n, 2)) - centre])
    y = np.r_[np.ones(n), np.zeros(n)]
    # log-odds of N((c,c), I) vs N((−c,−c), I): 2c·(x1 + x2)
    return Dataset(X=X, y=y, feature_names=["x1", "x2"], coef=np.array([2 * centre, 2 * centre]), intercept=0.0,
                   description=f"two Gaussian clouds at ({centre:g}, {centre:g}) and ({-centre:g}, {-centre:g})")


def load_breast_cancer(standardize: bool = True) -> Dataset:
    """scikit-learn's Wisconsin breast-cancer data; y = 1 for benign."""
    from sklearn.datasets import load_breast_cancer as _load

    standardize = check_bool(standardize, "standardize")
    raw = _load()
    X = np.asarray(raw.data, dtype=float)
    scale = None
    if standardize:
        scale = X.std(axis=0)
        X = (X - X.mean(axis=0)) / scale
    names = [str(n).replace(" ", "_") for n in raw.feature_names]
    return Dataset(X=X, y=np.asarray(raw.target, dtype=float), feature_names=names, scale=scale,
                   description="Wisconsin breast cancer (569 × 30)" + (", standardized" if standardize else ""))
