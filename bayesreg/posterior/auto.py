r"""The "auto" sampler's decision: keep laplace-is only when it is clearly reliable, else NUTS.

PSIS's k̂ is itself an estimate: on standardized breast cancer with Gaussian(1) it
spans 0.43–0.77 over 20 seeds at 4,000 proposals (its true value is about 0.6), so
a bare ``k̂ < 0.7`` test kept laplace-is in 4 of 20 seeds — once with draws that then
failed the ESS check.  The rule here asks for a margin and runs a second, larger
stage only where the first is inconclusive:

* keep laplace-is when k̂ + z·se(k̂) < 0.5 (:data:`AUTO_KHAT_MAX`, z = 2:
  :data:`AUTO_KHAT_Z`; se from :func:`~bayesreg.posterior.diagnostics.khat_se`) **and** the
  draws it would return pass the very check that would otherwise warn
  (:meth:`ISResult.problems`: k̂, ESS_IS ≥ 400 and about 400 effective draws among the
  chains × draws resampled ones).  Below ½ the importance weights have finite variance,
  so their ESS means what it says; between ½ and 0.7 PSIS still works but converges
  slowly and its ESS is unreliable, and "auto" has an exact alternative;
* run NUTS when k̂ ≥ 0.5 at the first stage, or when no chains × draws resampled
  draws can pass the ESS check (chains × draws ≤ 400);
* otherwise (0.5 − z·se ≤ k̂ < 0.5, or an ESS short of 400 that more proposals can
  fix) draw a second stage, pooled with the first to max(5·M₁, 16,000) proposals
  (:data:`AUTO_STAGE2_FACTOR`, :data:`AUTO_STAGE2_MIN`), and apply the keep test once
  more; anything short of it runs NUTS.

A problem with true k ≥ 0.45 thus runs NUTS on (nearly) every seed and one with
k ≤ 0.2 keeps laplace-is; only true k in between can still depend on the seed.
The second stage costs one likelihood pass per extra proposal (breast cancer: about
1 s for 16,000) and is only drawn when the first stage was inconclusive.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from .diagnostics import ESS_MIN, khat_se
from .importance import ISResult, n_proposals, propose, resample
from .laplace import laplace_fit
from .problem import Problem

__all__ = ["AUTO_KHAT_MAX", "AUTO_KHAT_Z", "AUTO_STAGE2_FACTOR", "AUTO_STAGE2_MIN", "decide", "auto_laplace_is"]

#: laplace-is is kept only when k̂ is clearly (z standard errors) below this: finite-variance weights.
AUTO_KHAT_MAX = 0.5
#: How many standard errors of k̂ below AUTO_KHAT_MAX "clearly" means.
AUTO_KHAT_Z = 2.0
#: The second stage pools this many times the first stage's proposals …
AUTO_STAGE2_FACTOR = 5
#: … and at least this many.
AUTO_STAGE2_MIN = 16_000

logger = logging.getLogger(__name__)


def decide(res: ISResult, n_out: int, final: bool) -> tuple[str, str]:
    """("keep" | "nuts" | "more", the reason in words) for laplace-is result ``res`` and ``n_out`` draws.

    "more" (a second stage) only when ``final`` is False and more proposals could change the answer.
    """
    k, M = res.khat, res.n_proposals
    se = khat_se(k, M)
    upper = k + AUTO_KHAT_Z * se if math.isfinite(se) else k
    problems, _ = res.problems(n_out)
    ess_draws = res.ess_draws(n_out)
    bound = f"k̂ + {AUTO_KHAT_Z:g}·se = {upper:.2f}" if math.isfinite(se) else "constant weights"
    if not k < AUTO_KHAT_MAX:
        return "nuts", (f"Pareto k̂ = {k:.2f} >= {AUTO_KHAT_MAX} from {M} proposals: the importance weights "
                        f"have (or nearly have) infinite variance, the posterior is too far from its Laplace "
                        f"approximation")
    if upper < AUTO_KHAT_MAX and not problems:
        return "keep", (f"Pareto k̂ = {k:.2f} ({bound} < {AUTO_KHAT_MAX}) and about {ess_draws:.0f} effective "
                        f"draws among the {n_out} (>= {ESS_MIN}), from {M} proposals")
    if n_out <= ESS_MIN:
        return "nuts", (f"{n_out} resampled draws cannot hold {ESS_MIN} effective draws (Pareto k̂ = {k:.2f}); "
                        f"ask for more draws to let laplace-is be kept")
    if not final:
        return "more", ""
    if not upper < AUTO_KHAT_MAX:
        return "nuts", (f"Pareto k̂ = {k:.2f} is not clearly below {AUTO_KHAT_MAX} ({bound}) even from {M} "
                        f"proposals, so importance sampling from the Laplace approximation is not trusted")
    return "nuts", (f"importance sampling kept only {res.ess:.0f} effective draws of {M} proposals "
                    f"(about {ess_draws:.0f} among the {n_out} resampled, < {ESS_MIN}; k̂ = {k:.2f})")


def auto_laplace_is(problem: Problem, draws: int, chains: int, seed: int,
                    nuts: str) -> tuple[ISResult | None, bool, dict]:
    """(the laplace-is result or None, keep it?, the ``auto_*`` attrs) by the module's two-stage rule.

    Stage 1 is exactly ``sampler="laplace-is"`` (same proposals and draws for the same seed);
    stage 2 adds proposals from an independent stream and resamples from the pool.
    """
    t0 = time.perf_counter()
    n_out = chains * draws
    attrs: dict = {"sampler_requested": "auto"}
    try:
        lap = laplace_fit(problem)
    except ValueError as exc:  # no Laplace approximation
        attrs.update(auto_check_time=time.perf_counter() - t0, auto_pareto_k=math.nan,
                     auto_ess_importance=math.nan, auto_stages=0,
                     auto_reason=f"{nuts}: no Laplace approximation ({exc})")
        logger.info("sample_posterior(sampler='auto') chose %s", attrs["auto_reason"])
        return None, False, attrs
    t1 = time.perf_counter()
    rng = np.random.default_rng([seed, 0x15])
    m1 = n_proposals(draws, chains)
    props = propose(problem, lap, rng, m1)
    res = resample(problem, props, chains, draws, rng, {})
    attrs.update(auto_pareto_k_stage1=float(res.khat), auto_n_proposals_stage1=int(m1))
    verdict, why = decide(res, n_out, final=False)
    stages = 1
    if verdict == "more":
        stages = 2
        rng = np.random.default_rng([seed, 0x15, 2])
        props = props + propose(problem, lap, rng, max(AUTO_STAGE2_FACTOR * m1, AUTO_STAGE2_MIN) - m1)
        res = resample(problem, props, chains, draws, rng, {})
        verdict, why = decide(res, n_out, final=True)
    t2 = time.perf_counter()
    res.times = {"laplace_time": t1 - t0, "sampling_time": t2 - t1, "compile_time": 0.0}
    keep = verdict == "keep"
    stage_words = "" if stages == 1 else f" (second stage: first-stage k̂ = {attrs['auto_pareto_k_stage1']:.2f})"
    attrs.update(auto_check_time=t2 - t0, auto_pareto_k=float(res.khat), auto_ess_importance=float(res.ess),
                 auto_pareto_k_se=khat_se(res.khat, res.n_proposals), auto_n_proposals=int(res.n_proposals),
                 auto_stages=stages, auto_reason=f"{'laplace-is' if keep else nuts}: {why}{stage_words}")
    logger.info("sample_posterior(sampler='auto') chose %s", attrs["auto_reason"])
    return res, keep, attrs
