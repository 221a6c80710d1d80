"""Shared test settings: headless matplotlib, no writes under ~ for its cache or bayesreg's."""

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "bayesreg-mpl"))
# no compiled models stored under ~ (tests/test_disk_cache.py points it at a temporary folder)
os.environ["BAYESREG_CACHE_DIR"] = "off"

import pytest


@pytest.fixture(scope="module")
def one_blas_thread():
    """Small matrices: a second BLAS thread only adds contention (50 ms per 569×31 Gram on a busy box)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def cancer():
    """Standardized breast-cancer data (X, y)."""
    from bayesreg.datasets import load_breast_cancer

    d = load_breast_cancer()
    return d.X, d.y
