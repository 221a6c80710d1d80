"""From a CSV table to the numbers the CLI fits: text columns, a formula, standardization.

* Without a formula, a text column with K levels (sorted) becomes K − 1 dummy columns
  ``col[level]`` of 0/1 — the first level is the baseline, whose effect sits in the
  intercept (treatment coding, as ``pandas.get_dummies(drop_first=True)`` and formulaic's
  default).  A column named like pandas' unnamed index (``Unnamed: 0``) holding 0, 1, …,
  N − 1 is a saved row index and is dropped.
* With ``--formula``, :func:`bayesreg.formula.design` builds the design (its left side is
  the target; ``- 1`` means no intercept).
* ``--standardize`` divides each column by its sd after centring, except the dummies
  (0/1 columns made by the encoding), which stay 0/1 unless ``--standardize-dummies``:
  their weight stays "the difference from the baseline" and their recorded scale is 1,
  so the original-scale columns of the report are right for them too.

Every function returns what it did as notes for the CLI to print, and raises ValueError
for bad input (the caller turns it into a one-line CLI error).  This module does not print.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import numpy as np

from .. import datasets

if TYPE_CHECKING:  # pandas loads when a CSV is read, not with the CLI's parser
    import pandas as pd

__all__ = ["drop_saved_index", "one_hot_text", "formula_dataset", "standardize"]

_UNNAMED = re.compile(r"^Unnamed: \d+$")


def drop_saved_index(frame: pd.DataFrame, target: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Drop a first column named ``Unnamed: 0`` (pandas' unnamed index) that holds 0, 1, …, N − 1 (or 1, …, N)."""
    import pandas as pd

    if frame.shape[1] == 0:
        return frame, []
    first = frame.columns[0]
    if not _UNNAMED.match(str(first)) or first == target or not pd.api.types.is_integer_dtype(frame[first]):
        return frame, []
    values = frame[first].to_numpy()
    n = len(values)
    if not (np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1))):
        return frame, []
    return frame.drop(columns=[first]), [f"column {str(first)!r} is a saved row index (0, 1, …): dropped"]


def one_hot_text(features: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Text columns → dummies ``col[level]`` (first sorted level dropped); returns (features, dummies, notes)."""
    import pandas as pd

    out, dummies, notes = [], [], []
    taken = {str(c) for c in features.columns}
    for col in features.columns:
        values = features[col]
        if pd.api.types.is_numeric_dtype(values):
            out.append(values.astype(float).rename(str(col)))
            continue
        text = values.astype(str)
        levels = sorted(text.unique())
        names = [f"{col}[{lv}]" for lv in levels[1:]]
        clash = [n for n in names if n in taken]
        if clash:
            raise ValueError(f"the dummy column(s) {clash} for text column {str(col)!r} clash with existing "
                             f"column names; rename them")
        for lv, name in zip(levels[1:], names):
            out.append((text == lv).astype(float).rename(name))
        dummies += names
        shown = ", ".join(levels[:8]) + (f", … ({len(levels) - 8} more)" if len(levels) > 8 else "")
        if len(levels) == 1:
            notes.append(f"column {str(col)!r} (text, 1 level: {levels[0]}) is constant: dropped")
            continue
        notes.append(f"column {str(col)!r} (text, {len(levels)} levels: {shown}) → {', '.join(names)}; "
                     f"{levels[0]!r} is the baseline"
                     + ("  [one level per row: an identifier?]" if len(levels) == len(text) else ""))
    frame = pd.concat(out, axis=1) if out else pd.DataFrame(index=features.index)
    return frame, dummies, notes


def formula_dataset(frame: pd.DataFrame, formula: str, target: str | None, source: str):
    """The design of ``formula`` on ``frame`` as a Dataset; returns (Dataset, whether it has an intercept)."""
    from ..formula import design

    d = design(formula, frame)
    spec = d.spec
    if spec.target is None:
        raise ValueError(f"--formula {formula!r} has no left side: write 'TARGET ~ ...' to name the column to predict")
    if target is not None and target != spec.target:
        raise ValueError(f"--target {target!r} and the formula's left side {spec.target!r} name different targets; "
                         f"give one")
    if d.X.shape[1] == 0:
        raise ValueError(f"--formula {formula!r} gives no columns besides the intercept")
    infinite = [c for c in spec.columns if not np.isfinite(d.X[c].to_numpy()).all()]  # e.g. np.log(0)
    if infinite:
        raise ValueError(f"formula {formula!r}: column(s) {infinite} hold infinite values; drop or cap them first")
    notes = [f"formula {formula!r}: {d.X.shape[1]} column(s) {', '.join(spec.columns)}"
             f" ({'with' if spec.fit_intercept else 'without'} intercept)"]
    notes += [f"  {line}" for line in spec.describe_encoding()]
    data = datasets.Dataset(X=d.X.to_numpy(dtype=float), y=d.y, feature_names=list(spec.columns),
                            description=f"{source} (formula {formula})", dummies=tuple(spec.dummies),
                            notes=tuple(notes))
    return data, spec.fit_intercept


def standardize(data: datasets.Dataset, include_dummies: bool = False) -> str:
    """Centre and scale ``data.X`` in place (a new array), leaving the dummies alone unless asked; returns a note.

    ``data.scale`` records the sd divided out per column (1 for a dummy left alone).
    """
    names = list(data.feature_names)
    keep = np.array([n in set(data.dummies) and not include_dummies for n in names], dtype=bool)
    scale = data.X.std(axis=0)
    constant = [n for n, s, k in zip(names, scale, keep) if s == 0 and not k]
    if constant:
        raise ValueError(f"--standardize: constant column(s) {constant} cannot be standardized")
    mean = data.X.mean(axis=0)
    scale = np.where(keep, 1.0, scale)
    mean = np.where(keep, 0.0, mean)
    data.X = (data.X - mean) / scale
    data.scale = scale
    if not data.dummies:
        return ""
    if keep.any():
        return (f"--standardize: the dummies {', '.join(n for n, k in zip(names, keep) if k)} stay 0/1 (not "
                f"standardized; --standardize-dummies to standardize them): λ acts on their 0/1 scale")
    return f"--standardize-dummies: the dummies {', '.join(data.dummies)} are standardized too"
