"""The vectorized R-hat / bulk ESS / tail ESS (``posterior.diagnostics.rhat_ess``) equal ArviZ's, column by column."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest
import xarray as xr

from bayesreg.posterior.diagnostics import rhat_ess


def _ar1(rng, m, n, k, phi):
    e = rng.normal(size=(m, n, k))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0]
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


@pytest.mark.parametrize("m, n, phi", [(2, 500, 0.0), (4, 1000, 0.9), (2, 501, -0.6), (1, 300, 0.5), (3, 7, 0.2),
                                       (2, 4, 0.0), (2, 100, 0.99), (4, 50, -0.9), (2, 3, 0.0)])
def test_rhat_ess_equals_arviz(m, n, phi):
    rng = np.random.default_rng(m * 1000 + n)
    x = _ar1(rng, m, n, 7, phi)
    x[..., 1] = np.round(x[..., 1])  # ties (rank averaging)
    x[..., 2] = 3.0                   # constant
    x[1 % m, :, 3] += 2.0             # chains that disagree
    x[..., 4] = np.exp(x[..., 4])     # skewed
    x[0, -1, 5] = np.nan              # a NaN draw: NaN, as in ArviZ
    rhat, bulk, tail = rhat_ess(x)
    for j in range(x.shape[-1]):
        da = xr.DataArray(x[..., j], dims=("chain", "draw"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = (float(az.rhat(da)) if m > 1 else np.nan, float(az.ess(da, method="bulk")),
                   float(az.ess(da, method="tail")))
        np.testing.assert_allclose([rhat[j], bulk[j], tail[j]], ref, rtol=1e-9, equal_nan=True,
                                   err_msg=f"column {j}")


def test_rhat_ess_without_tail_and_with_another_tail_probability():
    x = _ar1(np.random.default_rng(0), 2, 200, 3, 0.5)
    r, b, t = rhat_ess(x, tail=False)
    assert np.isnan(t).all() and np.array_equal(r, rhat_ess(x)[0]) and np.array_equal(b, rhat_ess(x)[1])
    da = xr.DataArray(x[..., 0], dims=("chain", "draw"))
    np.testing.assert_allclose(rhat_ess(x, tail_prob=0.9)[2][0], float(az.ess(da, method="tail", prob=0.9)),
                               rtol=1e-9)
