"""Reading the data of a command: DATA.csv (``--target`` or ``--formula``), Parquet/CSV with Dask, or the lecture's.

Every problem with the file is a one-line :class:`~bayesreg.cli.messages.CLIError`.  Text
columns are one-hot encoded and a formula builds its design (:mod:`bayesreg.cli.encoding`);
``--scheduler`` or Parquet data are read lazily (:mod:`bayesreg.cli.chunked_data`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import datasets
from . import encoding
from .chunked_data import read_chunked, wants_chunked
from .messages import CLIError

__all__ = ["check_counts", "estimator_input", "load_data", "read_csv"]


def estimator_input(data: datasets.Dataset):
    """X as the estimators take it: a DataFrame of the named columns, or (read with Dask) the Dask DataFrame itself."""
    if data.n_rows is not None:
        return data.X
    import pandas as pd

    return pd.DataFrame(data.X, columns=data.feature_names)


def load_data(args) -> datasets.Dataset:
    """DATA.csv (with ``--target`` or ``--formula``) or the lecture's wide data set, standardized if ``--standardize``.

    Text columns are one-hot encoded and a formula builds its design (:mod:`bayesreg.cli.encoding`);
    what was done is in ``data.notes``.  A formula without an intercept (``- 1``) sets ``args.no_intercept``.
    """
    formula = getattr(args, "formula", None)
    if wants_chunked(args):
        if getattr(args, "likelihood", "logistic") == "poisson":
            raise CLIError("--likelihood poisson does not take --scheduler/Parquet data yet; use logistic or linear")
        return read_chunked(args)
    if args.data is None:
        if args.target is not None or formula is not None:
            raise CLIError(f"{'--formula' if formula is not None else '--target'} needs a DATA.csv")
        data = datasets.make_lecture_wide(seed=args.seed)
    elif formula is not None:
        data = _read_formula_csv(Path(args.data), formula, args)
    else:
        data = read_csv(Path(args.data), args.target)
    if getattr(args, "standardize_dummies", False) and not args.standardize:
        raise CLIError("--standardize-dummies needs --standardize")
    if args.standardize:
        try:
            note = encoding.standardize(data, include_dummies=getattr(args, "standardize_dummies", False))
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        data.notes = data.notes + ((note,) if note else ())
    if getattr(args, "likelihood", None) == "poisson":
        check_counts(data)
    return data


def check_counts(data: datasets.Dataset) -> None:
    """``--likelihood poisson`` models counts: the target must hold non-negative integers."""
    from ..poisson import Poisson

    try:
        Poisson().check_posterior_y(np.asarray(data.y))
    except ValueError as exc:
        detail = str(exc).split(", got ", 1)[-1]
        raise CLIError(f"--likelihood poisson needs counts (0, 1, 2, …) in the target of {data.description}, "
                       f"got {detail}") from None


def _read_frame(path: Path):
    """The CSV at ``path`` as a DataFrame, with a one-line CLIError for a missing, folder or unreadable file."""
    import pandas as pd

    if path.is_dir():
        raise CLIError(f"{path} is a folder, not a CSV file")
    if not path.is_file():
        raise CLIError(f"data file not found: {path}")
    try:
        return pd.read_csv(path)
    except Exception as exc:  # pandas raises many types for bad files
        raise CLIError(f"cannot read {path} as CSV: {exc}") from None


def _read_formula_csv(path: Path, formula: str, args) -> datasets.Dataset:
    frame = _read_frame(path)
    if len(frame) == 0:
        raise CLIError(f"{path} has no rows (only a header)")
    try:
        data, intercept = encoding.formula_dataset(frame, formula, args.target, str(path))
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if intercept and args.no_intercept:
        raise CLIError(f"--no-intercept and the intercept of --formula {formula!r} disagree: "
                       f"write '- 1' in the formula instead")
    args.no_intercept = not intercept  # the formula decides; make_estimator reads args.no_intercept
    return data


def read_csv(path: Path, target: str | None) -> datasets.Dataset:
    """A CSV as a :class:`~bayesreg.datasets.Dataset`, text columns one-hot encoded (first level dropped).

    Every problem is a one-line :class:`CLIError`.
    """
    if target is None:
        raise CLIError("DATA.csv needs --target COL (the column to predict) or --formula")
    frame = _read_frame(path)
    if target not in frame.columns:
        raise CLIError(f"--target {target!r} is not a column of {path}; columns are {list(frame.columns)}")
    frame, notes = encoding.drop_saved_index(frame, target)
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise CLIError(f"{path} has no feature columns besides {target!r}")
    if len(frame) == 0:
        raise CLIError(f"{path} has no rows (only a header)")
    missing = features.columns[features.isna().any()].tolist() + ([target] if frame[target].isna().any() else [])
    if missing:
        raise CLIError(f"column(s) {missing} of {path} have missing values; drop or impute them first")
    try:
        features, dummies, text_notes = encoding.one_hot_text(features)
    except ValueError as exc:
        raise CLIError(f"{path}: {exc}") from None
    if features.shape[1] == 0:
        raise CLIError(f"{path} has no feature columns besides {target!r} once constant text columns are dropped")
    infinite = features.columns[~np.isfinite(features.to_numpy(dtype=float)).all(axis=0)].tolist()
    if infinite:
        raise CLIError(f"column(s) {infinite} of {path} hold infinite values; drop or cap them first")
    return datasets.Dataset(X=features.to_numpy(dtype=float), y=frame[target].to_numpy(),
                            feature_names=[str(c) for c in features.columns], description=f"{path} (target {target})",
                            dummies=tuple(dummies), notes=tuple(notes + text_notes))
