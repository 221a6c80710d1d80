"""Random numba function ids, so that code compiled in one process can be stored and loaded in another.

numba names every function it compiles with a per-process counter (1, 2, …): two
processes give the same mangled name to different bodies, and code loaded from a
file can then link against the wrong one (numba issue 10486).  PyTensor replaces
the counter with random 128-bit ids when it is imported; bayesreg's own kernels
(:mod:`bayesreg.fused_kernel`, :mod:`bayesreg.solvers.coordinate`) may compile
before PyTensor is imported, and then the helpers they compile carry small ids,
and any nutpie model linked with them later cannot go to the disk cache
(:mod:`bayesreg.posterior.disk_cache` refuses small ids).  :func:`use_random_ids`,
called before the first compile, makes every id random, as PyTensor does.
"""

from __future__ import annotations

import itertools
import uuid

__all__ = ["use_random_ids"]


class RandomIds:
    """An endless iterator of random 128-bit integers (fresh OS entropy each: fork-safe)."""

    def __iter__(self) -> "RandomIds":
        return self

    def __next__(self) -> int:
        return uuid.uuid4().int


def use_random_ids() -> None:
    """Replace numba's sequential function-id counter by random ids, unless something (PyTensor) already did."""
    from numba.core.bytecode import FunctionIdentity

    if isinstance(FunctionIdentity._unique_ids, itertools.count):  # numba's own counter
        FunctionIdentity._unique_ids = RandomIds()
