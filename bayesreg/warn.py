"""Library warnings point at the caller's line, not at ours.

Every ``warnings.warn`` in the package passes ``skip_file_prefixes=LIBRARY_FILES``
(Python ≥ 3.12): the frames inside ``bayesreg/`` are skipped, so the warning's
``filename``/``lineno`` are those of the first caller outside the package (the user's
``est.fit(X, y)`` or ``est.sample_posterior(...)``, or scikit-learn's line when
GridSearchCV calls ``fit``), however deep inside the library it was raised.
"""

from __future__ import annotations

import os

__all__ = ["LIBRARY_FILES"]

#: The package's directory (with a trailing separator): what ``skip_file_prefixes`` skips.
LIBRARY_FILES: tuple[str, ...] = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
