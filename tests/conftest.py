"""Shared test settings: headless matplotlib, no writes under ~ for its cache."""

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "bayesreg-mpl"))
