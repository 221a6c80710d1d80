"""The numbers of a MAP-vs-posterior run in words: diagnostics with what to do, and what to notice.

Every function takes plain values (the comparison table, the posterior's attrs,
the :class:`bayesreg.MapResult`) and returns ``(level, headline, detail)``
triples, ``level`` one of ``"good"``, ``"bad"``, ``"info"``; the page module
renders them.  Thresholds are the usual ones: split R̂ ≤ 1.01 (Vehtari et al.
2021), bulk ESS ≥ 100 per chain, no divergent transitions, Pareto k̂ below the
threshold the importance sampler recorded (Vehtari et al. 2024:
min(1 − 1/log10(S), 0.7)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .html import fmt

__all__ = ["map_verdicts", "posterior_verdicts", "what_to_notice"]

RHAT_OK = 1.01
ESS_PER_CHAIN = 100


def _col(table: pd.DataFrame, name: str) -> np.ndarray:
    return np.asarray(table[name], dtype=float) if name in table else np.array([])


def map_verdicts(res, n_obs: int | None) -> list[tuple[str, str, str]]:
    """Convergence of the MAP solver, and U and U/N."""
    if res is None:
        return []
    out = []
    if bool(res.converged):
        out.append(("good", f"converged: {res.solver}, {res.n_iter} iterations",
                    f"optimality {fmt(res.optimality, 3)} ≤ tol {fmt(res.tol, 3)} (the largest violation of the "
                    "optimality conditions of U, per coordinate)."))
    else:
        out.append(("bad", f"NOT converged: {res.solver} stopped after {res.n_iter} iterations",
                    f"optimality {fmt(res.optimality, 3)} > tol {fmt(res.tol, 3)}: the weights are not the MAP yet. "
                    "What to do: raise max_iter, or use solver='newton' (smooth priors) or 'fista' (L1)."
                    + (f" Solver message: {res.message}" if res.message else "")))
    per = f"; U/N = {fmt(res.objective / n_obs, 6)} (the lecture's mean cost, N = {n_obs})" if n_obs else ""
    out.append(("info", f"U = {fmt(res.objective, 6)}{per}",
                "U is the negative log posterior up to a constant: data misfit plus the prior's penalty. "
                "The MAP minimizes it."))
    if getattr(res, "local_mode", False):
        out.append(("info", "a local mode", "The prior is not convex, so U may have several minima: this is the "
                    "one reached from 0."))
    return out


def posterior_verdicts(table: pd.DataFrame, attrs: dict) -> list[tuple[str, str, str]]:
    """Sampler and why, then R̂, ESS, divergences and k̂, each with what to do when bad."""
    out = []
    sampler = str(attrs.get("sampler", "unknown"))
    reason = str(attrs.get("auto_reason", "") or "")
    out.append(("info", f"sampler: {sampler}", f"Chosen automatically — {reason}" if reason else
                "Chosen by the caller (--sampler)."))
    chains = int(attrs.get("n_chains", 0) or 0)
    rhat = _col(table, "r_hat")
    if rhat.size and np.isfinite(rhat).any():
        worst = float(np.nanmax(rhat))
        bad = table.index[rhat > RHAT_OK].tolist()
        if worst <= RHAT_OK:
            out.append(("good", f"R̂ ≤ {RHAT_OK} for every coefficient (largest {fmt(worst, 4)})",
                        "The chains agree with each other: they explore the same distribution."))
        else:
            out.append(("bad", f"R̂ up to {fmt(worst, 4)} (> {RHAT_OK} for {len(bad)}: {_names(bad)})",
                        "The chains disagree: the draws do not yet represent the posterior. What to do: more tuning "
                        "and draws (--tune, --draws), more chains, or a simpler model / stronger prior."))
    else:
        out.append(("info", "R̂ not available", "R̂ compares Markov chains; importance-sampled or approximate draws "
                    "are independent, so their reliability is k̂ and the importance ESS below."))
    ess = _col(table, "ess_bulk")
    if ess.size and np.isfinite(ess).any():
        low = float(np.nanmin(ess))
        need = ESS_PER_CHAIN * max(chains, 1)
        if low >= need:
            out.append(("good", f"bulk ESS ≥ {need} for every coefficient (smallest {fmt(low, 4)})",
                        "Enough effectively independent draws for means and intervals."))
        else:
            out.append(("bad", f"smallest bulk ESS {fmt(low, 4)} (< {need})",
                        "Few effectively independent draws: the means and HDIs are noisy. What to do: more draws "
                        "(--draws), or check for strong correlations between coefficients."))
    n_div = attrs.get("n_divergent")
    if n_div is not None:
        n_div = int(n_div)
        accept = attrs.get("target_accept")
        if n_div == 0:
            out.append(("good", "no divergent transitions", "NUTS met no region it could not integrate."))
        else:
            out.append(("bad", f"{n_div} divergent transitions" + (f" (target_accept {fmt(accept, 3)})" if accept else ""),
                        "NUTS met regions of high curvature (often near 0 under a sharp prior, or a funnel): "
                        "the draws may miss part of the posterior. What to do: raise target_accept (e.g. 0.95–0.99), "
                        "or reparametrize."))
    if "pareto_k" in attrs:
        k = float(attrs["pareto_k"])
        thr = float(attrs.get("pareto_k_threshold", 0.7))
        ess_is = attrs.get("ess_importance")
        detail = (f"k̂ measures how heavy the tail of the importance weights is (threshold {fmt(thr, 2)}); "
                  f"importance ESS {fmt(ess_is, 4)} of {int(attrs.get('n_proposals', 0) or 0)} proposals. ")
        if k < thr:
            out.append(("good", f"Pareto k̂ = {fmt(k, 3)} < {fmt(thr, 2)}: importance sampling is reliable",
                        detail + "The Laplace approximation is close enough to the posterior to correct."))
        else:
            out.append(("bad", f"Pareto k̂ = {fmt(k, 3)} ≥ {fmt(thr, 2)}: importance sampling is NOT reliable",
                        detail + "The posterior is too far from the Laplace approximation: a few draws carry "
                        "all the weight and the table's intervals are not to be trusted. What to do: run NUTS "
                        "(--sampler nutpie, or --sampler auto, which does so by itself)."))
    return out


def _names(names, limit: int = 6) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def what_to_notice(table: pd.DataFrame, notes: list[str] = ()) -> list[tuple[str, str, str]]:
    """Observations written from the numbers: exact zeros vs mass near zero, MAP outside its HDI, separation."""
    out = []
    attrs = table.attrs or {}
    prob = float(attrs.get("prob", 0.94))
    eps = attrs.get("eps")
    coefs = table.drop(index="intercept", errors="ignore")
    if "map_is_zero" in coefs and "map" in coefs and np.isfinite(_col(coefs, "map")).any():
        zero = coefs.index[np.asarray(coefs["map_is_zero"], dtype=float) > 0.5]
        if len(zero):
            near = _col(coefs.loc[zero], "p_near_zero")
            big = coefs.loc[zero, "mean"].abs().sort_values(ascending=False)
            out.append(("info", f"{len(zero)} of {len(coefs)} MAP weights are exactly zero; the posterior puts, "
                        f"on average, {fmt(100 * np.nanmean(near), 3)}% of their mass near zero",
                        f"“Near zero” is |w| < eps = {fmt(eps, 3)}. The MAP is the mode of U, and an L1 kink makes "
                        "the mode sit exactly at 0; the posterior is a whole distribution and has no point mass "
                        f"there. Largest |posterior mean| among the zeroed weights: {fmt(big.iloc[0], 3)} "
                        f"({big.index[0]})."))
        else:
            out.append(("info", "no MAP weight is exactly zero", "A smooth prior (Gaussian, Student-t) shrinks "
                        "weights toward zero without setting any of them to zero."))
    if "map_in_hdi" in table and "map" in table and np.isfinite(_col(table, "map")).any():
        outside = table.index[np.asarray(table["map_in_hdi"], dtype=float) < 0.5].tolist()
        if outside:
            out.append(("bad", f"the MAP lies outside its {prob:.0%} HDI for {len(outside)} coefficient(s): "
                        f"{_names(outside)}",
                        "The mode is not a typical value of the posterior there: a skewed posterior (separation, "
                        "a sharp prior, or few data). Report the posterior interval, not the MAP, for them."))
        else:
            out.append(("good", f"the MAP lies inside its {prob:.0%} HDI for every coefficient",
                        "Mode and posterior tell a consistent story."))
    if "true_in_hdi" in table and np.isfinite(_col(table, "true")).any():
        covered = np.asarray(table["true_in_hdi"], dtype=float)
        out.append(("info", f"the true weight lies in its {prob:.0%} HDI for {int(np.nansum(covered))} of "
                    f"{int(np.isfinite(covered).sum())} coefficients", "Simulated data: the generating weights are "
                    "known, so the intervals can be checked against them."))
    if "mean" in coefs and "sd" in coefs:
        sd = coefs["sd"].astype(float)
        sd = sd.where(sd > 1e-9 * np.maximum(1.0, coefs["mean"].abs()))  # collapsed draws say nothing
        r = (coefs["mean"].abs() / sd).dropna().sort_values(ascending=False)
        if len(r):
            out.append(("info", f"most clearly non-zero: {_names(r.index[:3].tolist())}",
                        f"largest |posterior mean| / sd ({', '.join(fmt(v, 3) for v in r.iloc[:3])})."))
    for note in notes:
        if note:
            out.append(("bad" if "separat" in note else "info", note.split(":")[0].strip(), note))
    return out


def sigma_text(attrs: dict) -> str:
    """The noise sd line: what σ is and, where estimated, its MAP."""
    noise = str(attrs.get("noise", "") or "")
    if not noise or noise == "no noise sd":
        return ""
    ms = attrs.get("map_sigma")
    est = int(attrs.get("sigma_estimated", 0) or 0)
    if est and ms is not None and math.isfinite(float(ms)):
        return f"{noise}; estimated, MAP σ = {fmt(ms, 4)}"
    return noise


__all__ += ["sigma_text"]
