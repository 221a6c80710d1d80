"""Priors against independent references: SciPy densities, quadrature, brute-force prox.

Nothing here compares a prior with its own output, except where a test says so
(penalty against the prior's own logpdf, PyMC's log density against logpdf —
itself checked against SciPy): every other expected value comes from
scipy.stats, scipy.integrate.quad, scipy.optimize.minimize_scalar, finite
differences, or arithmetic written out in the test.

The contract checks are table-driven (NumPyro's test_distributions style): one
table of (prior, SciPy twin or None), and generic tests swept over it — log
density, penalty, gradient, prox and the PyMC variable.  Tests of a single
prior's particular behaviour follow them.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from typing import NamedTuple

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from bayesreg.priors import ElasticNet, Flat, Gaussian, Laplace, Prior, as_prior, prior_from_params

LAMS = [0.01, 0.1, 0.5, 1.0, 7.5, 100.0]
W_GRID = np.array([-40.0, -3.0, -1.0, -0.3, 0.0, 1e-8, 0.25, 1.0, 2.5, 12.0])

# ElasticNet strengths from L2-dominated to extremely L1-dominated (λ1/√λ2 up to 1e6).
EN_PARAMS = [(1.0, 1.0), (0.1, 5.0), (5.0, 0.1), (2.0, 0.5), (10.0, 0.01), (100.0, 0.01),
             (1000.0, 1e-6), (1e-3, 1e3), (3.0, 1.0), (1.5, 1.0)]


def _scipy_twin(prior):
    """The SciPy distribution with the same density (docs/contract.md)."""
    if isinstance(prior, Gaussian):
        return stats.norm(loc=0.0, scale=1.0 / math.sqrt(prior.lam))
    if isinstance(prior, Laplace):
        return stats.laplace(loc=0.0, scale=1.0 / prior.lam)
    raise TypeError(prior)


def _en_moments_by_quadrature(l1: float, l2: float) -> tuple[float, float]:
    """(∫ exp(logpdf), ∫ w² exp(logpdf)) of the elastic net, by quadrature on a natural scale.

    The integrand is integrated over v = w / c with c = 1/(λ1 + √λ2), so that it
    is O(1) wide whatever the strengths; the density is unnormalized here
    (written out from the penalty), and the normalizer is the integral itself.
    """
    c = 1.0 / (l1 + math.sqrt(l2))

    def dens(v):
        w = c * v
        return math.exp(-l1 * w - 0.5 * l2 * w * w)

    z_half = integrate.quad(dens, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)[0] * c
    m2_half = integrate.quad(lambda v: (c * v) ** 2 * dens(v), 0.0, np.inf, epsabs=0.0, epsrel=1e-13,
                             limit=200)[0] * c
    return 2.0 * z_half, m2_half / z_half


@functools.cache
def _en_quadrature(l1: float, l2: float) -> tuple[float, float]:
    """(log Z, sd) of the elastic net by quadrature, computed once per strength pair."""
    z, m2 = _en_moments_by_quadrature(l1, l2)
    return math.log(z), math.sqrt(m2)


def _numbers_in(text: str) -> list[float]:
    return [float(s) for s in re.findall(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text)]


def _mentions(text: str, value: float, rel: float = 6e-3) -> bool:
    """True when some number printed in ``text`` equals ``value`` to 3 significant figures."""
    return any(math.isclose(x, value, rel_tol=rel) for x in _numbers_in(text))


# ---------------------------------------------------------------------------------------
# the table: every built-in prior at several strengths, with its SciPy twin
# ---------------------------------------------------------------------------------------

class Case(NamedTuple):
    """A prior and the frozen SciPy distribution with the same density (None: none in SciPy)."""

    prior: Prior
    twin: object | None


def _norm(lam: float):
    return stats.norm(loc=0.0, scale=1.0 / math.sqrt(lam))


def _laplace(lam: float):
    return stats.laplace(loc=0.0, scale=1.0 / lam)


PRIOR_TABLE = (
    [Case(Gaussian(lam), _norm(lam)) for lam in LAMS + [0.7]]
    + [Case(Laplace(lam), _laplace(lam)) for lam in LAMS + [0.7]]
    # one zero strength: the elastic net is a Laplace or a Gaussian
    + [Case(ElasticNet(lam, 0.0), _laplace(lam)) for lam in [0.3, 1.5, 2.0, 50.0]]
    + [Case(ElasticNet(0.0, lam), _norm(lam)) for lam in [0.3, 2.0, 50.0]]
    # both strengths: no SciPy twin; the reference is the kernel over its quadrature normalizer
    + [Case(ElasticNet(l1, l2), None) for l1, l2 in EN_PARAMS + [(0.7, 1.3), (2.0, 0.1), (0.7, 1.9), (3.0, 0.2)]]
    + [Case(Flat(), None)]
)
TABLE_IDS = [repr(c.prior) for c in PRIOR_TABLE]
table = pytest.mark.parametrize("case", PRIOR_TABLE, ids=TABLE_IDS)


def _reference_logpdf(case: Case, w) -> np.ndarray:
    """The log density from outside bayesreg: the SciPy twin, else the elastic-net kernel
    −λ1|w| − λ2w²/2 written out here minus its log normalizer by quadrature; 0 for Flat."""
    w = np.asarray(w, dtype=float)
    if case.twin is not None:
        return case.twin.logpdf(w)
    p = case.prior
    if isinstance(p, Flat):
        return np.zeros_like(w)
    log_z, _ = _en_quadrature(p.lam1, p.lam2)
    return -p.lam1 * np.abs(w) - 0.5 * p.lam2 * w * w - log_z


def _scale(case: Case) -> float:
    """The prior's spread from the reference (twin sd, quadrature sd; 1 for Flat): test points are in its units."""
    if case.twin is not None:
        return float(case.twin.std())
    if isinstance(case.prior, Flat):
        return 1.0
    return _en_quadrature(case.prior.lam1, case.prior.lam2)[1]


def test_table_covers_every_builtin_prior():
    kinds = {type(c.prior) for c in PRIOR_TABLE}
    assert kinds == {Gaussian, Laplace, ElasticNet, Flat}
    assert len(set(TABLE_IDS)) == len(TABLE_IDS)


@table
def test_logpdf_matches_reference(case):
    prior = case.prior
    w = W_GRID * _scale(case)  # in units of the prior's own spread, so SciPy does not underflow
    # SciPy twins to rounding; the quadrature normalizer to its own accuracy
    tol = 1e-10 if case.twin is None else 1e-12
    np.testing.assert_allclose(prior.logpdf(w), _reference_logpdf(case, w), rtol=tol, atol=tol)
    # elementwise: any shape in, the same shape out
    assert prior.logpdf(w.reshape(2, 5)).shape == (2, 5)
    assert np.ndim(prior.logpdf(0.0)) == 0
    # far in the tail the log density keeps going (SciPy's laplace underflows to −inf there)
    far = np.array([-1e3, 1e3]) * _scale(case)
    np.testing.assert_allclose(prior.logpdf(far), _reference_logpdf(case, np.zeros(2)) - prior.penalty(far[:1]),
                               rtol=1e-12)


@table
def test_penalty_is_negative_log_density_up_to_a_constant(case):
    prior = case.prior
    rng = np.random.default_rng(3)
    w = rng.normal(scale=2.0 * _scale(case), size=7)
    expected = -(_reference_logpdf(case, w).sum() - w.size * _reference_logpdf(case, 0.0))
    assert prior.penalty(w) == pytest.approx(expected, rel=1e-13, abs=1e-14)
    assert prior.penalty(np.zeros(5)) == 0.0
    # and against the prior's own logpdf, coordinate by coordinate: penalty = −logpdf + logpdf(0)
    per_coordinate = np.array([prior.penalty(w[j:j + 1]) for j in range(w.size)])
    np.testing.assert_allclose(per_coordinate, prior.logpdf(0.0) - prior.logpdf(w), rtol=1e-13, atol=1e-14)
    assert prior.penalty(w) == pytest.approx(per_coordinate.sum(), rel=1e-13, abs=1e-14)


W_AWAY = np.array([-2.0, -0.3, 0.05, 0.8, 4.0])


@table
def test_gradient_matches_finite_differences_away_from_zero(case):
    prior, s = case.prior, _scale(case)
    w = W_AWAY * s
    h = 1e-6 * s
    fd = np.empty_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h
        fd[j] = (prior.penalty(w + e) - prior.penalty(w - e)) / (2.0 * h)
    np.testing.assert_allclose(prior.gradient(w), fd, rtol=1e-7, atol=1e-8 / s)
    # the subgradient at the kink uses sign(0) = 0
    np.testing.assert_array_equal(prior.gradient(np.array([0.0, -0.0, 0.0])), np.zeros(3))


PROX_V = [-3.0, -0.5, -0.1, 0.0, 0.05, 0.4, 0.7, 2.5]


def _brute_prox(prior, v: float, step: float, scale: float = 1.0) -> float:
    obj = lambda w: prior.penalty(np.array([w])) + (w - v) ** 2 / (2.0 * step)  # noqa: E731
    r = abs(v) + scale
    res = optimize.minimize_scalar(obj, bounds=(-r, r), method="bounded", options={"xatol": 1e-12 * scale})
    # the bounded method never evaluates the end points; the kink at 0 is checked explicitly
    return 0.0 if obj(0.0) <= res.fun else float(res.x)


@pytest.mark.parametrize("step", [0.1, 1.0, 3.0])
@table
def test_prox_matches_brute_force_minimization(case, step):
    prior, s = case.prior, _scale(case)
    t = step * s * s  # a step in the prior's own units: step·λ for a Gaussian, step·2/λ for a Laplace
    v = np.array(PROX_V) * s
    if prior.l1() > 0:
        v = np.append(v, [t * prior.l1(), -t * prior.l1()])  # exactly on the edge of the dead zone
    v_before = v.copy()
    got = prior.prox(v, t)
    np.testing.assert_array_equal(v, v_before)  # input not mutated
    expected = np.array([_brute_prox(prior, vi, t, s) for vi in v])
    np.testing.assert_allclose(got, expected, atol=2e-7 * s)
    # soft-thresholding lands exactly on zero inside the dead zone |v| ≤ step·λ1
    dead = np.abs(v) <= t * prior.l1()
    assert np.all(got[dead] == 0.0)
    if prior.l1() > 0:
        assert dead.sum() >= 2 and np.all(got[~dead] != 0.0)


@table
def test_to_pymc_log_density_is_logpdf(case):
    """PyMC's log density of the variable ``to_pymc`` creates is the prior's normalized logpdf,
    its λ is the ``pm.Data`` named by ``pymc_data_values``, and ``strength=`` replaces λ."""
    import pymc as pm
    import pytensor.tensor as pt

    prior, s = case.prior, _scale(case)
    k = W_GRID.size
    sweepable = not prior.flat
    with pm.Model(coords={"f": range(k)}) as model:
        prior.to_pymc("w", dims="f")
        if sweepable:
            # np.float64: PyTensor would make a Python float that fits float32 (2.0) a float32 constant
            prior.to_pymc("v", dims="f", strength=pt.as_tensor_variable(np.float64(2.0 * prior.strength)))
    assert {d.name for d in model.data_vars} == set(prior.pymc_data_values("w"))
    data = {d.name: float(d.get_value()) for d in model.data_vars}
    assert data == prior.pymc_data_values("w")
    assert all(t is None for t in model.rvs_to_transforms.values())  # no transform: logp is the density itself
    assert model.named_vars_to_dims["w"] == ("f",)
    logp = model.compile_logp(sum=False, jacobian=False, mode="FAST_COMPILE")
    rng = np.random.default_rng(0)
    for x in [W_GRID * s, -W_GRID * s, rng.normal(scale=3.0 * s, size=k)]:
        got = logp({"w": x, "v": x} if sweepable else {"w": x})
        assert got[0].shape == (k,)
        np.testing.assert_allclose(got[0], prior.logpdf(x), rtol=1e-10, atol=1e-10)
        if sweepable:
            np.testing.assert_allclose(got[1], prior.with_strength(2.0 * prior.strength).logpdf(x),
                                       rtol=1e-10, atol=1e-10)
        if prior.flat:
            np.testing.assert_array_equal(got[0], np.zeros(k))  # PyMC's Flat: log density 0


# ---------------------------------------------------------------------------------------
# densities: what the table does not cover
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", LAMS)
@pytest.mark.parametrize("cls", [Gaussian, Laplace])
def test_variance_sd_precision_match_scipy(cls, lam):
    prior = cls(lam)
    twin = _scipy_twin(prior)
    assert prior.variance == pytest.approx(twin.var(), rel=1e-12)
    assert prior.sd == pytest.approx(twin.std(), rel=1e-12)
    assert prior.precision == pytest.approx(lam, rel=1e-15)
    if cls is Gaussian:
        assert prior.variance == pytest.approx(1.0 / lam, rel=1e-12)
    else:
        assert prior.scale == pytest.approx(twin.kwds["scale"], rel=1e-15)
        assert prior.variance == pytest.approx(2.0 / lam**2, rel=1e-12)


@pytest.mark.parametrize("l1,l2", EN_PARAMS)
def test_elasticnet_normalizes_to_one(l1, l2):
    # (logpdf(0) = −log Z against quadrature is in test_logpdf_matches_reference)
    prior = ElasticNet(l1, l2)
    c = 1.0 / (l1 + math.sqrt(l2))
    total = 2.0 * c * integrate.quad(lambda v: math.exp(float(prior.logpdf(c * v))), 0.0, np.inf,
                                     epsabs=0.0, epsrel=1e-12, limit=200)[0]
    assert total == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("l1,l2", EN_PARAMS)
def test_elasticnet_variance_matches_quadrature(l1, l2):
    prior = ElasticNet(l1, l2)
    _, m2 = _en_moments_by_quadrature(l1, l2)
    assert prior.variance > 0
    assert prior.variance == pytest.approx(m2, rel=1e-9)
    assert prior.sd == pytest.approx(math.sqrt(m2), rel=1e-9)
    assert math.isnan(prior.precision)


@pytest.mark.parametrize("lam", [0.3, 2.0, 50.0])
def test_elasticnet_limits_are_laplace_and_gaussian(lam):
    # (their densities are SciPy's laplace and norm: in the table)
    assert ElasticNet(lam, 0.0).variance == pytest.approx(2.0 / lam**2, rel=1e-12)
    assert ElasticNet(0.0, lam).variance == pytest.approx(1.0 / lam, rel=1e-12)
    assert ElasticNet(lam, 0.0).smooth is False
    assert ElasticNet(0.0, lam).smooth is True


def test_flat_prior():
    flat = Flat()
    w = np.array([-3.0, 0.0, 2.0])
    assert flat.penalty(w) == 0.0
    np.testing.assert_array_equal(flat.gradient(w), np.zeros(3))
    np.testing.assert_array_equal(flat.prox(w, 5.0), w)
    np.testing.assert_array_equal(flat.logpdf(w), np.zeros(3))
    assert flat.variance == math.inf and flat.precision == 0.0
    assert flat.proper is False
    assert Gaussian(1.0).proper and Laplace(1.0).proper and ElasticNet(1.0, 1.0).proper


# ---------------------------------------------------------------------------------------
# second order
# ---------------------------------------------------------------------------------------

def test_curvature_and_l1_weights():
    # second derivative of the smooth part by finite differences; the L1 weight by the slope
    for prior, curv, l1 in [(Gaussian(2.5), 2.5, 0.0), (Laplace(1.5), 0.0, 1.5),
                            (ElasticNet(0.4, 3.0), 3.0, 0.4), (Flat(), 0.0, 0.0)]:
        w, h = 1.3, 1e-4
        p = lambda x: prior.penalty(np.array([x]))  # noqa: E731
        fd2 = (p(w + h) - 2 * p(w) + p(w - h)) / h**2
        assert prior.curvature() == pytest.approx(fd2, abs=1e-5)
        assert prior.curvature() == curv
        slope_right = (p(1e-3) - p(0.0)) / 1e-3 - 0.5 * curv * 1e-3
        assert prior.l1() == pytest.approx(slope_right, abs=1e-9)
        assert prior.l1() == l1


def test_kkt_residual_by_hand():
    lam = 1.0
    prior = Laplace(lam)
    w = np.array([0.0, 1.0, -2.0, 0.0, 0.5])
    g = np.array([0.5, -1.0, 1.0, 3.0, 0.2])
    # w≠0: |g + λ sign(w)|; w=0: max(|g| − λ, 0)
    expected = np.array([0.0, 0.0, 0.0, 2.0, 1.2])
    np.testing.assert_allclose(prior.kkt_residual(w, g), expected, atol=1e-15)
    # the smooth part of an elastic net is added: g + λ2·w
    en = ElasticNet(1.0, 2.0)
    expected_en = np.array([0.0, 2.0, 4.0, 2.0, 2.2])
    np.testing.assert_allclose(en.kkt_residual(w, g), expected_en, atol=1e-15)
    np.testing.assert_allclose(Gaussian(2.0).kkt_residual(w, g), np.abs(g + 2.0 * w), atol=1e-15)


# ---------------------------------------------------------------------------------------
# equality, hashing, rebuilding
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.5, 1.0, 3.0])
def test_elasticnet_limits_equal_laplace_and_gaussian(lam):
    assert ElasticNet(lam, 0) == Laplace(lam)
    assert Laplace(lam) == ElasticNet(lam, 0)
    assert hash(ElasticNet(lam, 0)) == hash(Laplace(lam))
    assert ElasticNet(0, lam) == Gaussian(lam)
    assert hash(ElasticNet(0, lam)) == hash(Gaussian(lam))
    assert len({ElasticNet(lam, 0.0), Laplace(lam), ElasticNet(0.0, lam), Gaussian(lam)}) == 2
    # equality is by canonical_key: the same density has the same key
    assert ElasticNet(lam, 0).canonical_key() == Laplace(lam).canonical_key()
    assert ElasticNet(0, lam).canonical_key() == Gaussian(lam).canonical_key()
    assert ElasticNet(lam, lam).canonical_key() != Laplace(lam).canonical_key()
    assert Laplace(lam).canonical_key() != Laplace(2 * lam).canonical_key()
    assert Gaussian(lam) != Laplace(lam)
    assert ElasticNet(lam, 0) != Gaussian(lam)
    assert ElasticNet(lam, lam) != Laplace(lam) and ElasticNet(lam, lam) != Gaussian(lam)


def test_equality_is_by_value():
    assert Gaussian(1) == Gaussian(1.0)
    assert Gaussian(np.float64(2.0)) == Gaussian(2)
    assert ElasticNet(1.0, 2.0) == ElasticNet(1.0, 2.0)
    assert ElasticNet(1.0, 2.0) != ElasticNet(2.0, 1.0)
    assert Flat() == Flat() and hash(Flat()) == hash(Flat())
    assert Flat() != Gaussian(1.0)
    assert Gaussian(1.0) != "Gaussian(1.0)"
    assert isinstance(Gaussian(np.int64(3)).lam, float)


def test_priors_are_immutable():
    g = Gaussian(1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.lam = 2.0  # type: ignore[misc]


@pytest.mark.parametrize("prior", [Gaussian(0.3), Laplace(4.0), ElasticNet(1.0, 2.0), Flat()], ids=repr)
def test_params_rebuild_the_same_prior(prior):
    rebuilt = prior_from_params(type(prior).__name__, prior.params())
    assert rebuilt == prior and type(rebuilt) is type(prior)
    np.testing.assert_array_equal(rebuilt.logpdf(W_GRID), prior.logpdf(W_GRID))


def test_prior_from_params_rejects_unknown_kind():
    with pytest.raises(ValueError, match="spike_and_slab"):  # (horseshoe, the old example, now exists)
        prior_from_params("spike_and_slab", {})


def test_as_prior():
    default = Gaussian(1.0)
    assert as_prior(None, default=default) is default
    lap = Laplace(2.0)
    assert as_prior(lap) is lap
    with pytest.raises(TypeError, match=r"my_prior.*'l2'"):
        as_prior("l2", "my_prior", default=default)
    with pytest.raises(TypeError, match="prior"):
        as_prior(1.0)


# ---------------------------------------------------------------------------------------
# λ as a strength (what sweeps vary), and what a compiled PyMC graph depends on
# ---------------------------------------------------------------------------------------

def _reference_sd(prior) -> float:
    """The prior's sd from SciPy (Gaussian, Laplace and the elastic net's limits) or quadrature."""
    simple = prior.simplest()
    if isinstance(simple, (Gaussian, Laplace)):
        return float(_scipy_twin(simple).std())
    return _en_quadrature(prior.lam1, prior.lam2)[1]


def _measured_power(prior) -> float:
    """p in sd ∝ λ^(−p), read off the reference sd at λ and 2λ: sd(2λ)/sd(λ) = 2^(−p)."""
    lam = prior.strength
    return -math.log2(_reference_sd(prior.with_strength(2.0 * lam)) / _reference_sd(prior.with_strength(lam)))


# prior, its strength, the scale power p, the prior at strength 2.5, words its strength_meaning() uses
STRENGTHS = [
    (Gaussian(0.4), 0.4, 0.5, Gaussian(2.5), "precision"),
    (Laplace(0.4), 0.4, 1.0, Laplace(2.5), "scale"),
    (ElasticNet(0.4, 0.0), 0.4, 1.0, ElasticNet(2.5, 0.0), "L1"),
    (ElasticNet(0.0, 0.4), 0.4, 0.5, ElasticNet(0.0, 2.5), ""),
    (ElasticNet(0.4, 1.2), 0.4, 1.0, ElasticNet(2.5, 7.5), "L1"),  # the ratio λ2/λ1 = 3 is kept
]


@pytest.mark.parametrize("prior,strength,power,at_2_5,words", STRENGTHS, ids=[repr(s[0]) for s in STRENGTHS])
def test_strength_with_strength_and_scale_power(prior, strength, power, at_2_5, words):
    assert prior.strength == strength
    moved = prior.with_strength(2.5)
    assert type(moved) is type(prior) and moved == at_2_5
    assert moved.params() == at_2_5.params()
    assert prior.with_strength(strength) == prior
    p, name = prior.scale_power()
    assert p == power and isinstance(name, str) and name
    meaning = prior.strength_meaning()
    assert isinstance(meaning, str) and words in meaning
    measured = _measured_power(prior)
    if prior.simplest() is not prior or prior.scale_family:
        # a scale family: sd(with_strength(2λ)) / sd(with_strength(λ)) = 2^(−p) exactly
        assert measured == pytest.approx(p, rel=1e-9)
    else:
        # an elastic net at a fixed ratio λ2/λ1 is not a scale family: its sd falls
        # between the Gaussian's λ^(−1/2) and the L1 scale's λ^(−1) that p names
        assert 0.5 < measured < 1.0
        assert _mentions(meaning, prior.lam2 / prior.lam1)


def test_gaussian_and_laplace_are_scale_families():
    assert Gaussian(1.0).scale_family and Laplace(1.0).scale_family
    assert not Flat().scale_family


def test_elasticnet_without_l1_calls_its_strength_a_precision():
    meaning = ElasticNet(0.0, 2.0).strength_meaning()
    assert "inf" not in meaning and "precision" in meaning


def test_flat_has_no_strength():
    flat = Flat()
    with pytest.raises(TypeError, match="Flat"):
        flat.strength  # noqa: B018
    with pytest.raises(TypeError, match="Flat"):
        flat.with_strength(1.0)
    with pytest.raises(TypeError, match="Flat"):
        flat.scale_power()
    with pytest.raises(TypeError, match="Flat"):
        flat.strength_meaning()


@dataclasses.dataclass(frozen=True, eq=False)
class _PowerNormal(Prior):
    """N(0, λ^(−2·power)): sd λ^(−power).  Only what the base class needs for λ: a ``lam`` and a variance."""

    lam: float = 1.0
    power: float = 0.5

    @property
    def variance(self) -> float:
        return self.lam ** (-2.0 * self.power)

    def params(self) -> dict[str, float]:
        return {"lam": self.lam, "power": self.power}


@dataclasses.dataclass(frozen=True, eq=False)
class _Unit(Prior):
    """A prior with no parameter called ``lam``."""

    scale: float = 1.0

    @property
    def variance(self) -> float:
        return self.scale**2

    def params(self) -> dict[str, float]:
        return {"scale": self.scale}


@pytest.mark.parametrize("power", [0.25, 0.75, 2.0])
def test_base_class_strength_for_a_prior_with_lam(power):
    prior = _PowerNormal(3.0, power)
    assert prior.strength == 3.0
    moved = prior.with_strength(6.0)
    assert type(moved) is _PowerNormal and moved.params() == {"lam": 6.0, "power": power}  # other parameters kept
    p, name = prior.scale_power()
    # sd(2λ)/sd(λ) = (2λ)^(−power)/λ^(−power) = 2^(−power), written out
    assert p == pytest.approx(-math.log2((6.0 ** -power) / (3.0 ** -power)), rel=1e-12)
    assert p == pytest.approx(power, rel=1e-12) and name == "prior sd"
    assert _mentions(prior.strength_meaning(), power)
    # the default structure key holds the values (a graph that bakes them in recompiles) and equality is by value
    assert prior.structure_key() != moved.structure_key()
    assert prior.structure_key() == _PowerNormal(3.0, power).structure_key()
    assert prior == _PowerNormal(3, power) and hash(prior) == hash(_PowerNormal(3, power))
    assert prior != moved
    assert prior.precision == 3.0


def test_base_class_without_lam_has_no_strength():
    prior = _Unit(2.0)
    for attempt in (lambda: prior.strength, lambda: prior.with_strength(1.0), prior.scale_power,
                    prior.strength_meaning):
        with pytest.raises(TypeError, match=r"_Unit.*'lam'"):
            attempt()
    assert math.isnan(prior.precision)


def test_structure_key_ignores_lambda_and_tells_kinds_apart():
    assert Gaussian(1.0).structure_key() == Gaussian(5.0).structure_key()
    assert Laplace(0.5).structure_key() == Laplace(8.0).structure_key()
    assert ElasticNet(1.0, 1.0).structure_key() == ElasticNet(3.0, 0.2).structure_key()
    kinds = [Gaussian(1.0), Laplace(1.0), ElasticNet(1.0, 1.0), Flat()]
    keys = [p.structure_key() for p in kinds]
    assert len(set(keys)) == len(kinds)
    # an elastic net with one zero strength compiles as the prior it is
    assert ElasticNet(2.0, 0.0).structure_key() == Laplace(1.0).structure_key()
    assert ElasticNet(0.0, 2.0).structure_key() == Gaussian(1.0).structure_key()
    for p in kinds:
        hash(p.structure_key())


PYMC_DATA = [
    (Gaussian(2.0), {"coef_lam": 2.0}),
    (Laplace(0.5), {"coef_lam": 0.5}),
    (ElasticNet(0.8, 0.6), {"coef_lam1": 0.8, "coef_lam2": 0.6}),
    (ElasticNet(1.5, 0.0), {"coef_lam": 1.5}),  # a Laplace
    (ElasticNet(0.0, 2.0), {"coef_lam": 2.0}),  # a Gaussian
    (Flat(), {}),
]


@pytest.mark.parametrize("prior,expected", PYMC_DATA, ids=[repr(p) for p, _ in PYMC_DATA])
def test_pymc_data_values_names(prior, expected):
    assert prior.pymc_data_values("coef") == expected
    assert prior.pymc_data_values("intercept") == {k.replace("coef", "intercept"): v for k, v in expected.items()}
    assert all(isinstance(v, float) for v in prior.pymc_data_values("coef").values())


# ---------------------------------------------------------------------------------------
# what λ means, in words
# ---------------------------------------------------------------------------------------

def test_gaussian_describe_lecture_example():
    text = Gaussian(0.1).describe()
    assert "λ" in text
    assert "0.1" in text
    assert "10" in text  # variance 1/0.1
    assert "3.16" in text  # sd √10
    assert str(Gaussian(0.1)) == text


@pytest.mark.parametrize("lam", [0.04, 0.1, 1.0, 4.0, 250.0])
def test_gaussian_describe_numbers(lam):
    text = Gaussian(lam).describe()
    twin = stats.norm(scale=1.0 / math.sqrt(lam))
    assert "λ" in text and "variance" in text and "sd" in text
    assert _mentions(text, lam)
    assert _mentions(text, twin.var())
    assert _mentions(text, twin.std())


@pytest.mark.parametrize("lam", [0.04, 0.5, 4.0, 250.0])
def test_laplace_describe_numbers(lam):
    text = Laplace(lam).describe()
    twin = stats.laplace(scale=1.0 / lam)
    assert "λ" in text and "scale" in text
    assert _mentions(text, lam)
    assert _mentions(text, twin.kwds["scale"])
    assert _mentions(text, twin.std())


def test_elasticnet_and_flat_describe():
    text = ElasticNet(0.7, 2.0).describe()
    _, m2 = _en_moments_by_quadrature(0.7, 2.0)
    assert "λ1" in text and "λ2" in text
    assert _mentions(text, 0.7) and _mentions(text, 2.0) and _mentions(text, math.sqrt(m2))
    # extreme L1 dominance used to make the variance negative and describe() crash
    text = ElasticNet(1000.0, 1e-6).describe()
    assert _mentions(text, math.sqrt(_en_moments_by_quadrature(1000.0, 1e-6)[1]))
    flat = Flat().describe()
    assert "improper" in flat and "∞" in flat


# ---------------------------------------------------------------------------------------
# validation: the message names the argument and the value
# ---------------------------------------------------------------------------------------

BAD_VALUES = [(-1.0, ValueError, "-1.0"), (float("nan"), ValueError, "nan"), (float("inf"), ValueError, "inf"),
              (-math.inf, ValueError, "-inf"), ("1.0", TypeError, "'1.0'"), (True, TypeError, "True"),
              (None, TypeError, "None"), ([1.0], TypeError, "[1.0]"), (1 + 0j, TypeError, "(1+0j)")]


def _constructors():
    return [("lam", lambda v: Gaussian(v)), ("lam", lambda v: Laplace(v)), ("lam", lambda v: Gaussian(lam=v)),
            ("lam1", lambda v: ElasticNet(lam1=v, lam2=1.0)), ("lam2", lambda v: ElasticNet(lam1=1.0, lam2=v))]


@pytest.mark.parametrize("bad,exc,shown", BAD_VALUES, ids=[repr(b[0]) for b in BAD_VALUES])
@pytest.mark.parametrize("name,make", _constructors(), ids=["Gaussian", "Laplace", "Gaussian-kw", "EN-lam1", "EN-lam2"])
def test_bad_strength_is_rejected_with_its_name_and_value(name, make, bad, exc, shown):
    with pytest.raises(exc) as info:
        make(bad)
    msg = str(info.value)
    assert re.search(rf"\b{name}\b", msg), msg
    assert shown in msg, msg


@pytest.mark.parametrize("cls", [Gaussian, Laplace])
def test_zero_is_not_a_proper_prior(cls):
    with pytest.raises(ValueError) as info:
        cls(0.0)
    msg = str(info.value)
    assert re.search(r"\blam\b", msg) and "0.0" in msg and "Flat" in msg


def test_elasticnet_needs_one_positive_strength():
    with pytest.raises(ValueError) as info:
        ElasticNet(0.0, 0.0)
    msg = str(info.value)
    assert "lam1" in msg and "lam2" in msg and "0.0" in msg
    # one zero is fine
    assert ElasticNet(0.0, 1.0).lam1 == 0.0
    assert ElasticNet(1.0, 0.0).lam2 == 0.0


def test_prior_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Prior().penalty(np.zeros(2))


@pytest.mark.parametrize("make", [Gaussian, Laplace, lambda lam: ElasticNet(lam, 1.0), lambda lam: ElasticNet(1.0, lam)],
                         ids=["Gaussian", "Laplace", "EN-lam1", "EN-lam2"])
@pytest.mark.parametrize("lam", [1e300, 1e155, 1e-300, 1e-150])
def test_absurd_but_finite_strength_is_refused_at_construction(make, lam):
    """sd, variance (2/λ²) and describe() would overflow after fitting; the range is checked first."""
    with pytest.raises(ValueError, match=r"must be in \[1e-100, 1e\+100\].*" + re.escape(repr(lam))):
        make(lam)


@pytest.mark.parametrize("make", [Gaussian, Laplace, lambda lam: ElasticNet(lam, lam), lambda lam: ElasticNet(lam, 0.0),
                                  lambda lam: ElasticNet(0.0, lam)], ids=["Gaussian", "Laplace", "EN", "EN-L1", "EN-L2"])
@pytest.mark.parametrize("lam", [1e-100, 1e100])
def test_extreme_strengths_in_range_describe_themselves_finitely(make, lam):
    import warnings

    prior = make(lam)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning either
        assert 0 < prior.variance < math.inf and 0 < prior.sd < math.inf
        assert np.all(np.isfinite(prior.logpdf(np.array([0.0, prior.sd]))))
        text = prior.describe()
    assert "inf" not in text and "nan" not in text
