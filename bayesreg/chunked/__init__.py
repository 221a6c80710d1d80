r"""Data larger than memory: the same U, solvers and laplace-is on **Dask arrays** split by rows.

U(θ) = Σ_n nll(y_n, η_n) + penalties is a sum over rows, and so is everything a
solver reads from the data: f = Σ nll, ∇f = Aᵀr, the Gram matrix AᵀWA of Newton,
the diagonal of the Hessian, and for laplace-is the log-likelihood of each draw.
:class:`~bayesreg.chunked.model.ChunkedModel` computes each of them as a **blockwise
reduction**: every row chunk of X (on the worker that holds it) gives its partial
sum, a D-vector or a D×D matrix, and only the sum reaches the client.  η = Aθ of a
trial point stays on the cluster (a persisted Dask array, 8 bytes a row), so a
solver step moves O(D²) numbers, never rows.  The solvers (newton, fista, lbfgs,
ista, gd) are the in-memory ones, unchanged: they only talk to the model.

* **Which solver.** A pass over X is a round trip to the cluster, so ``solver="auto"``
  takes Newton for p ≤ 64 parameters: ~5–10 iterations of one pass each (the line
  search's pass also gives ∇f and AᵀWA there: :mod:`bayesreg.chunked.model`), against
  hundreds of passes for FISTA (:mod:`bayesreg.solvers.auto`).
* **Persisted once.** X, y (and sample weights) are persisted on the cluster when they
  fit in half of its memory; otherwise each pass streams them from their source
  (a file or a generator), and spilling is Dask's.  ``ChunkedModel.persisted`` says which.
* **Inputs.** ``fit(X, y)`` and ``sample_posterior(X, y, sampler="laplace-is")`` take
  ``dask.array`` or Dask DataFrame/Series (column names become feature names); the
  checks of in-memory data run blockwise (finite values, magnitudes, two classes).
* **Not supported on chunked data** (each is a ValueError saying so): NUTS (every
  leapfrog step would be a full pass over the cluster: use laplace-is, or sample a
  subsample in memory), an estimated noise sd σ, the per-row log-likelihood (N values
  per draw), the separation check of a flat prior (an LP on all rows), Poisson regression.

A local run needs no cluster: without a ``distributed.Client`` Dask's threaded
scheduler runs the same graphs in this process.
"""

from __future__ import annotations

__all__ = ["is_chunked"]


def is_chunked(obj) -> bool:
    """True for a Dask array, DataFrame or Series (checked without importing Dask)."""
    module = type(obj).__module__ or ""
    return module.startswith(("dask.", "dask_expr.")) and hasattr(obj, "dask")
