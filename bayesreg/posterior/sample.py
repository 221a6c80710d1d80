"""``sample_posterior``: draws of exactly exp(−U), by NUTS or laplace-is, with the "auto" policy.

**"auto"** (the default) runs laplace-is first and keeps it only when it is clearly
reliable — k̂ + 2·se(k̂) < 0.5 and its draws pass the ESS check that would otherwise
warn, with a second, larger stage where the first is inconclusive
(:mod:`bayesreg.posterior.auto`); else it samples with nutpie (PyMC's NUTS without
nutpie).  The attempt costs one likelihood pass per proposal, small next to NUTS
(≥ 2 passes per leapfrog step).  ``attrs["auto_reason"]`` records the decision.
:func:`bayesreg.compare.compare` treats every ``sampler`` starting with
"laplace" as an approximation (NaN R-hat and ESS columns): for laplace-is read
``pareto_k`` and ``ess_importance`` from ``posterior.attrs`` instead.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import xarray as xr

from ..progress import logger as progress_logger, progress_mode
from ..validation import check_bool, check_choice, check_int, check_seed
from ..warn import LIBRARY_FILES
from .assemble import assemble, attrs_of
from .diagnostics import PosteriorWarning, convergence_problems
from .auto import auto_laplace_is
from .importance import ISResult, importance_sample
from .nuts import check_tune, sample_nutpie, sample_pymc
from .problem import Problem

__all__ = ["SAMPLERS", "sample_posterior", "default_nuts"]

SAMPLERS = ("auto", "nutpie", "pymc", "laplace-is")

#: The per-row log-likelihood (chains × draws × N doubles) is kept only below this size unless asked for.
POINTWISE_BUDGET_BYTES = 512 * 2**20


def default_nuts() -> str:
    """The NUTS of "auto": nutpie (compiles once per model structure), PyMC's own without it."""
    try:
        import nutpie  # noqa: F401
    except ImportError:  # pragma: no cover - nutpie is a dependency
        return "pymc"
    return "nutpie"


def _pointwise(requested, n_bytes: int) -> bool:
    """Whether to keep the per-row log-likelihood: as requested, or (None) within the memory budget."""
    if requested is not None:
        return check_bool(requested, "pointwise_log_likelihood")
    if n_bytes <= POINTWISE_BUDGET_BYTES:
        return True
    warnings.warn(f"the per-row log-likelihood would take {n_bytes / 2**30:.2f} GiB (> {POINTWISE_BUDGET_BYTES / 2**30:.2g}"
                  f" GiB): only its row sum is kept; pass pointwise_log_likelihood=True to keep it anyway "
                  f"(LOO needs it)", PosteriorWarning, skip_file_prefixes=LIBRARY_FILES)
    return False


def _chunked_sampler(sampler: str, pointwise, problem: Problem) -> tuple[str, dict]:
    """laplace-is for chunked (Dask) data, where NUTS would make every gradient a pass over the cluster."""
    n_rows = problem.model.n_samples
    if not problem.has_map:
        raise ValueError(f"the posterior of chunked (Dask) data is sampled with laplace-is, which needs a MAP, but "
                         f"{problem.no_map_reason()}; and NUTS cannot run on chunked data (every gradient would be a "
                         f"pass over the cluster): sample a subsample in memory, e.g. "
                         f"est.sample_posterior(X[idx].compute(), y[idx].compute())")
    if sampler in ("nutpie", "pymc"):
        raise ValueError(f"sampler={sampler!r} cannot run on chunked (Dask) data: NUTS evaluates the gradient "
                         f"of U at every leapfrog step, and on chunked data each gradient is a full pass over the "
                         f"{n_rows} rows on the cluster (thousands of passes). Use sampler='laplace-is' (one pass "
                         f"for all its proposals; at this N the posterior is close to Gaussian), or run NUTS on a "
                         f"subsample in memory: est.sample_posterior(X[idx].compute(), y[idx].compute())")
    if pointwise:
        raise ValueError(f"pointwise_log_likelihood=True cannot be kept for chunked data: it would bring "
                         f"{n_rows} values per draw to the client; use False (the row sums are kept)")
    if sampler == "auto":
        return "laplace-is", {"sampler_requested": "auto", "auto_stages": 0,
                              "auto_reason": "laplace-is: chunked (Dask) data, where NUTS would make every gradient "
                                             "a pass over the cluster; read pareto_k for its reliability"}
    return sampler, {}


def sample_posterior(est, X, y, *, draws: int = 1000, tune: int = 1000, chains: int = 4,
                     random_seed: int | None = None, sampler: str = "auto", progressbar: bool | None = None,
                     pointwise_log_likelihood: bool | None = None, sample_weight=None) -> xr.DataTree:
    """Draw from the posterior exp(−U) of the estimator's model on (X, y).

    Parameters
    ----------
    est : LogisticRegression or LinearRegression
        Its current parameters define the model.  Its MAP starts the NUTS chains
        (each jittered by U(−1, 1) × 1/√H_jj) and centres the laplace-is proposal;
        when it is not fitted with those parameters on these data, a clone is
        fitted (the estimator itself is never modified).
    X, y : the data (y as passed to ``fit``: labels for logistic regression).
    draws, tune, chains : draws kept and tuning steps, per chain (``tune`` is
        unused by laplace-is).
    random_seed : int or None
        The same seed gives identical draws; None draws a seed, recorded in
        ``posterior.attrs["random_seed"]``.
    sampler : {"auto", "laplace-is", "nutpie", "pymc"}
        ``"laplace-is"``: Pareto-smoothed importance sampling from the Laplace
        approximation (:mod:`bayesreg.posterior.importance`): max(chains·draws, 1000)
        proposals, one likelihood evaluation each and no gradients, resampled to
        chains × draws equal-weight draws.  Exact in the limit when k̂ is small; on
        a posterior far from Gaussian it warns (k̂ too large) and its draws are not
        to be used.  ``"auto"`` tries laplace-is first and keeps it only when PSIS
        says it is clearly reliable (k̂ two standard errors below 0.5, and about 400
        effective draws among the chains × draws returned), drawing a second, larger
        stage of proposals when the first is inconclusive; otherwise it runs nutpie
        (:mod:`bayesreg.posterior.auto`).  ``posterior.attrs["auto_reason"]`` says why.
        ``"nutpie"``: NUTS, compiled once per model structure and reused for new
        data and λ.  ``"pymc"``: PyMC's own NUTS (recompiles every call; chains
        run one after another).
    progressbar : bool or None
        NUTS only.  None (the default): a progress bar in a terminal or in Jupyter,
        elsewhere (logs, pipes) an INFO line on the ``bayesreg.progress`` logger every
        few seconds (:mod:`bayesreg.progress`); True always a bar, False nothing.
    pointwise_log_likelihood : bool or None
        True stores log p(y_n | θ) per row and draw (``obs_id`` dim: what LOO needs);
        False only its row sum.  None (the default) stores it per row when that takes
        at most ``POINTWISE_BUDGET_BYTES`` (512 MiB: chains × draws × N × 8 bytes), and
        otherwise the row sum, with a warning saying so.
    sample_weight : one weight ≥ 0 per row, or None
        Weights each row's likelihood term, as in ``fit`` (a weight of 2 is a
        duplicated row); the stored log-likelihood is then w_n·log p(y_n | θ).

    Returns
    -------
    xarray.DataTree with groups ``posterior`` (``coef`` (chain, draw, feature),
    ``intercept`` (chain, draw), and ``sigma`` (chain, draw) for a linear model whose
    noise sd is estimated), ``sample_stats``, ``log_likelihood``
    (``obs`` (chain, draw, obs_id)), ``log_prior`` (``coef``, ``intercept``:
    normalized log densities) and ``observed_data`` (``obs``: the encoded y).
    ``posterior.attrs`` say which sampler, prior, intercept prior, likelihood,
    model (``model_identity``) and seed produced it, with the times in seconds:
    ``compile_time`` (nutpie: 0.0 when the compiled model came from the cache of
    this process or the disk cache of :mod:`bayesreg.posterior.disk_cache`, which
    adds ``cache_load_time``, the seconds loading it;
    pymc: the call minus PyMC's timed sampling loop; laplace-is: 0.0),
    ``sampling_time`` (laplace-is adds ``laplace_time``, the MAP polish and
    Hessian).  For laplace-is also ``pareto_k``, ``pareto_k_threshold``,
    ``ess_importance`` (1/Σw̃² of the smoothed weights: the effective number of
    draws), ``n_proposals``, ``proposal``, ``proposal_df``; its ``sample_stats``
    hold each draw's normalized ``log_weight`` and ``proposal_index`` (repeats
    are resampled duplicates, kept next to each other so that ArviZ's ESS counts
    them).  With ``sampler="auto"``: ``sampler_requested="auto"``,
    ``auto_reason``, ``auto_pareto_k``, ``auto_pareto_k_se``, ``auto_ess_importance``,
    ``auto_n_proposals`` (of the last stage), ``auto_stages`` (1, or 2 when a second
    stage was drawn; 0 when laplace-is was not tried), ``auto_pareto_k_stage1``,
    ``auto_n_proposals_stage1`` and ``auto_check_time`` (the seconds the laplace-is
    attempt took, also when it was not kept).  NUTS runs record ``n_divergent``, and ``target_accept`` when the
    prior asks for one (``Prior.nuts_target_accept``).

    A prior without a mode (``Prior.has_mode`` False: :class:`~bayesreg.priors.Horseshoe`)
    has no MAP: the estimator need not be fitted (it is not), NUTS starts from PyMC's own
    jittered initial point, "auto" runs nutpie (``auto_reason`` says why), "laplace-is" is a
    ValueError, ``posterior.attrs["map_missing"]`` says why, the prior's latent variables
    (``coef_tau``, ``coef_local``, …) are kept in the ``posterior`` group, and
    ``log_prior`` omits ``coef`` (its attrs say why).

    Warns
    -----
    PosteriorWarning
        Once, naming the coefficients concerned, if there were divergences or
        any R-hat > 1.01 or bulk/tail ESS < 400; for laplace-is when k̂ is above
        its threshold, the importance ESS is below 400, or the resampled draws hold
        fewer than about 400 effective draws, 1/(1/ESS_IS + 1/(chains·draws)).  "auto"
        never keeps laplace-is draws that this check would warn about.
    """
    draws = check_int(draws, "draws", 1)
    chains = check_int(chains, "chains", 1)
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    tune = check_tune(tune, sampler)
    seed = check_seed(random_seed)
    progress = progress_mode(progressbar)
    problem = Problem.from_estimator(est, X, y, sample_weight)
    auto: dict = {}
    if problem.model.remote:
        sampler, auto = _chunked_sampler(sampler, pointwise_log_likelihood, problem)
        pointwise_log_likelihood = False
    pointwise = _pointwise(pointwise_log_likelihood, chains * draws * problem.model.n_samples * 8)

    res: ISResult | None = None
    if not problem.has_map:  # no mode: no Laplace approximation to sample from or to try
        if sampler == "laplace-is":
            raise ValueError(f"sampler='laplace-is' needs a MAP and its Laplace approximation, but "
                             f"{problem.no_map_reason()}; use sampler='nutpie' (or 'auto')")
        if sampler == "auto":
            sampler = default_nuts()
            auto = {"sampler_requested": "auto", "auto_check_time": 0.0, "auto_pareto_k": math.nan,
                    "auto_ess_importance": math.nan,
                    "auto_stages": 0,
                    "auto_reason": f"{sampler}: no MAP, so no Laplace approximation to importance-sample from "
                                   f"({type(problem.model.prior).__name__}'s density is unbounded at 0)"}
    if sampler == "laplace-is":
        try:
            res = importance_sample(problem, draws, chains, seed)
        except ValueError as exc:  # no Laplace approximation
            raise ValueError(f"sampler='laplace-is' needs a Laplace approximation, and {exc}; "
                             f"use sampler='nutpie'") from None
    elif sampler == "auto":
        res, keep, auto = auto_laplace_is(problem, draws, chains, seed, default_nuts())
        sampler = "laplace-is" if keep else default_nuts()

    attrs = attrs_of(problem, sampler, seed)
    if sampler == "laplace-is":
        attrs.update(res.attrs())
        attrs.update(auto)
        tree = assemble(problem, res.W, res.B, res.stats, attrs, pointwise, loglik_sum=res.loglik, S=res.S)
        problems, advice = res.problems(chains * draws)
    else:
        run = sample_nutpie if sampler == "nutpie" else sample_pymc
        progress_logger.info("sampling the posterior with %s: %d chains × (%d tune + %d draws)…", sampler, chains,
                             tune, draws)
        post, stats, times = run(problem, draws, tune, chains, seed, progress)
        progress_logger.info("sampled in %.1f s (compile %.1f s)", times["sampling_time"],
                             times["compile_time"] if math.isfinite(times["compile_time"]) else 0.0)
        W = np.asarray(post["coef"].transpose("chain", "draw", "feature").values, dtype=float)
        B = (np.asarray(post["intercept"].transpose("chain", "draw").values, dtype=float)
             if problem.fit_intercept else None)
        S = (np.asarray(post["sigma"].transpose("chain", "draw").values, dtype=float)
             if problem.estimates_sigma else None)
        attrs.update({k: float(v) for k, v in times.items()})
        attrs.update(auto)
        if "diverging" in stats:
            attrs["n_divergent"] = int(stats["diverging"].sum())
        if not problem.has_map:
            attrs["map_missing"] = problem.no_map_reason()
        latent = [v for v in post.data_vars if str(v).startswith(("coef_", "intercept_"))]  # the priors' own
        tree = assemble(problem, W, B, stats, attrs, pointwise, S=S, latent=post[latent] if latent else None)
        problems = convergence_problems(tree)
        advice = (". Try more tune and draws, or a stronger prior." if problem.has_map else
                  ". Try more tune and draws, or a smaller scale_global; with a horseshoe prior a few divergences "
                  "are common (its funnel near τ = 0).")
    if problems:
        warnings.warn("The posterior sample may not be reliable: " + "; ".join(problems) + advice,
                      PosteriorWarning, skip_file_prefixes=LIBRARY_FILES)
    return tree
