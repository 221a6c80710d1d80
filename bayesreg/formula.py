"""Wilkinson formulas and categorical predictors, through formulaic (as Bambi and glum use it).

    est = br.from_formula("y ~ x1 + C(group) + x2:x3", df, prior=br.Laplace(2.0), likelihood="logistic")
    est.feature_names()            # ['x1', 'C(group)[T.b]', 'C(group)[T.c]', 'x2:x3']
    est.predict(br.design(est, new_df).X)      # the same encoding on new rows

**The design.**  The right side becomes the design matrix by formulaic's model matrix
with its default treatment coding: a categorical with K levels (sorted) gives K − 1
columns of 0/1, the first level is the *baseline* (all its dummies 0) and its effect sits
in the intercept; a dummy's weight is the difference from the baseline.  Text columns
are categorical without ``C()``.  formulaic's ``Intercept`` column is dropped and the
estimator's own ``fit_intercept`` takes its place, so the intercept keeps its own prior
(flat by default) and the prior on the weights never touches it; a formula with ``- 1``
(or ``+ 0``) means ``fit_intercept=False`` (and then the first categorical gets all K
columns).  The prior acts on the dummies' 0/1 scale: λ on a dummy is a precision on a
difference from the baseline.

**The encoding is learned once.**  Levels and stateful transforms (``center(x)``,
``scale(x)``) are learned on the data the formula is first applied to and kept in a
:class:`DesignSpec` (on the fitted estimator as ``formula_spec_``); ``design(est, new)``
rebuilds exactly those columns.  A level not seen then is an error (formulaic alone would
warn and encode it as the baseline).

**The left side** names the target: a column of the data is taken as it is (a classifier's
labels stay labels, e.g. "yes"/"no"); an expression such as ``np.log(y)`` is evaluated by
formulaic.  Missing values are an error (formulaic would silently drop the rows).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .validation import check_choice

__all__ = ["DesignSpec", "Design", "design", "from_formula", "LIKELIHOODS"]

#: ``likelihood=`` of :func:`from_formula` → the estimator class it fits (another one: pass ``estimator=``).
LIKELIHOODS = ("logistic", "linear")

_ANSI = re.compile(r"\x1b\[[0-9;]*m|[⧛⧚]")


@dataclass(frozen=True)
class DesignSpec:
    """What a formula learned from the data: enough to rebuild the same columns on new rows.

    ``levels`` maps each categorical factor (e.g. ``"C(group)"``) to its levels;
    ``baselines`` maps it to the level that has no column (None when every level has one,
    e.g. after ``- 1``, or the coding is not treatment coding); ``dummies`` are the 0/1
    indicator columns (terms made only of categoricals); ``model_spec`` is formulaic's
    ModelSpec of the right side, ``target_spec`` that of the left side when it is an
    expression rather than a column.
    """

    formula: str
    target: str | None
    fit_intercept: bool
    columns: tuple[str, ...]
    dummies: tuple[str, ...]
    levels: dict[str, tuple] = field(compare=False)
    baselines: dict[str, Any] = field(compare=False)
    model_spec: Any = field(compare=False, repr=False)
    target_spec: Any = field(default=None, compare=False, repr=False)

    def describe_encoding(self) -> list[str]:
        """One line per categorical factor: its levels, its baseline and the columns it became."""
        lines = []
        for factor, levels in self.levels.items():
            cols = [c for c in self.columns if _mentions(c, factor)]
            base = self.baselines.get(factor)
            lines.append(f"{factor}: {len(levels)} levels ({_short(levels)}) → {', '.join(cols)}"
                         + (f"; {str(base)!r} is the baseline" if base is not None else "; no baseline level"))
        return lines


@dataclass(frozen=True)
class Design:
    """The design matrix ``X`` (a float DataFrame named by formulaic's columns, no intercept column),
    the target ``y`` (None when the data do not hold it) and the :class:`DesignSpec` that made them."""

    X: pd.DataFrame
    y: np.ndarray | None
    spec: DesignSpec


def design(source, data) -> Design:
    """The design of ``data``: learn the encoding from a formula, or reuse a fitted one.

    ``source`` is a formula string (the encoding is learned from ``data``), a
    :class:`DesignSpec`, or an estimator fitted by :func:`from_formula` (its
    ``formula_spec_``: new rows get exactly the columns of the fit).  Formula errors
    (syntax, unknown columns), missing values and levels not seen in fit are ValueErrors
    naming the formula.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if isinstance(source, str):
        return _learn(source, data)
    spec = source if isinstance(source, DesignSpec) else getattr(source, "formula_spec_", None)
    if not isinstance(spec, DesignSpec):
        raise TypeError(f"design() takes a formula string, a DesignSpec or an estimator fitted by from_formula; "
                        f"got {type(source).__name__}")
    return _apply(spec, data)


def from_formula(formula: str, data, *, likelihood: str | None = None, estimator=None, prior=None,
                 sample_weight=None, **estimator_kwargs):
    """Fit the MAP of the model a formula describes; returns the fitted estimator.

    ``likelihood`` ("logistic", the default, or "linear") builds a
    :class:`~bayesreg.LogisticRegression` / :class:`~bayesreg.LinearRegression` with
    ``estimator_kwargs``; or pass an unfitted ``estimator`` (it is cloned, the instance
    given is not changed).  ``prior`` sets the prior on the weights.  The formula decides
    the intercept: ``- 1`` sets ``fit_intercept=False``; an intercept in the formula with
    ``fit_intercept=False`` asked for is a ValueError.

    The returned estimator's coefficients are named by formulaic's columns
    (``feature_names_in_``, e.g. ``C(group)[T.b]``) and it carries the learned encoding as
    ``formula_spec_``: ``design(est, df).X`` is its X for ``predict``, and
    ``est.sample_posterior(d.X, d.y)`` with ``d = design(est, df)`` samples the same model.
    """
    from sklearn.base import clone

    from .estimators import LogisticRegression
    from .regressors import LinearRegression

    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string such as 'y ~ x1 + C(group)', got {type(formula).__name__}")
    if estimator is not None and likelihood is not None:
        raise ValueError(f"give likelihood= or estimator=, not both (got likelihood={likelihood!r} and "
                         f"estimator={type(estimator).__name__})")
    if estimator is None:
        kind = check_choice("logistic" if likelihood is None else likelihood, "likelihood", LIKELIHOODS)
        est = {"logistic": LogisticRegression, "linear": LinearRegression}[kind](**estimator_kwargs)
    else:
        if not (hasattr(estimator, "fit") and "fit_intercept" in getattr(estimator, "get_params", dict)()):
            raise TypeError(f"estimator must be a scikit-learn style estimator with fit_intercept, "
                            f"got {type(estimator).__name__}")
        est = clone(estimator).set_params(**estimator_kwargs)
    if prior is not None:
        est.set_params(prior=prior)
    d = design(formula, data)
    if d.spec.target is None:
        raise ValueError(f"formula {formula!r} has no left side: write 'TARGET ~ ...' to name the column to predict")
    if d.spec.fit_intercept and not est.get_params()["fit_intercept"]:
        raise ValueError(f"formula {formula!r} has an intercept but fit_intercept=False was asked for; "
                         f"write '- 1' in the formula instead")
    est.set_params(fit_intercept=d.spec.fit_intercept)
    fit_kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    est.fit(d.X, d.y, **fit_kwargs)
    est.formula_spec_ = d.spec
    return est


# -- building ------------------------------------------------------------------------------

def _one_line(exc: Exception) -> str:
    """formulaic's messages carry colour codes and a caret diagram on further lines: keep the first line."""
    text = _ANSI.sub("", str(exc)).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _formula_error(formula: str, exc: Exception) -> ValueError:
    return ValueError(f"formula {formula!r}: {_one_line(exc)}")


def _learn(formula: str, data: pd.DataFrame) -> Design:
    from formulaic import Formula, SimpleFormula
    from formulaic.errors import FormulaicError

    try:
        # the columns on offer let "y ~ ." mean every other column (formulaic's own model_matrix does the same)
        parsed = Formula(formula, _context={"__formulaic_variables_available__": [str(c) for c in data.columns]})
    except (FormulaicError, ValueError, TypeError, SyntaxError) as exc:
        raise _formula_error(formula, exc) from None
    lhs = getattr(parsed, "lhs", None)
    rhs = parsed.rhs if lhs is not None else parsed
    if not isinstance(rhs, SimpleFormula) or (lhs is not None and not isinstance(lhs, SimpleFormula)):
        raise ValueError(f"formula {formula!r}: give one right side and at most one left side (no '|' parts)")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # nan/inf are reported, not warned about
            warnings.simplefilter("ignore", FutureWarning)
            mm = rhs.get_model_matrix(data, na_action="raise")
    except (FormulaicError, ValueError, TypeError, KeyError) as exc:
        raise _formula_error(formula, exc) from None
    spec = mm.model_spec
    intercept_cols = [c for s in spec.structure if str(s.term) == "1" for c in s.columns]
    X = mm.drop(columns=intercept_cols).astype(float)
    X = pd.DataFrame(np.asarray(X), columns=[str(c) for c in X.columns], index=data.index)
    levels = {str(f): tuple(state.get("categories", ())) for f, (kind, state) in spec.encoder_state.items()
              if getattr(kind, "value", kind) == "categorical"}
    target, target_spec = _target_of(formula, lhs, data)
    dspec = DesignSpec(formula=formula, target=target, fit_intercept=bool(intercept_cols), columns=tuple(X.columns),
                       dummies=_dummies(spec, levels, X), levels=levels, baselines=_baselines(levels, X.columns),
                       model_spec=spec, target_spec=target_spec)
    y = _evaluate_target(dspec, data) if target is not None else None
    return Design(X=X, y=y, spec=dspec)


def _apply(spec: DesignSpec, data: pd.DataFrame) -> Design:
    from formulaic.errors import DataMismatchWarning, FormulaicError

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("error", DataMismatchWarning)
            warnings.simplefilter("ignore", FutureWarning)
            mm = spec.model_spec.get_model_matrix(data)
    except DataMismatchWarning as exc:
        unseen = re.search(r"\{.*?\}", str(exc))
        known = "; ".join(f"{f}: {_short(lv)}" for f, lv in spec.levels.items())
        raise ValueError(f"formula {spec.formula!r}: the data hold level(s) not seen in fit "
                         f"{unseen.group(0) if unseen else ''}; the levels in fit were {known}") from None
    except (FormulaicError, ValueError, TypeError, KeyError) as exc:
        raise _formula_error(spec.formula, exc) from None
    X = mm.drop(columns=[c for c in mm.columns if c not in spec.columns]).astype(float)
    if tuple(X.columns) != spec.columns:  # formulaic keeps the fitted structure; this guards against a change
        raise ValueError(f"formula {spec.formula!r}: the new data gave columns {list(X.columns)}, "
                         f"not those of the fit {list(spec.columns)}")
    X = pd.DataFrame(np.asarray(X), columns=list(spec.columns), index=data.index)
    y = None
    if spec.target is not None and _has_target(spec, data):
        y = _evaluate_target(spec, data)
    return Design(X=X, y=y, spec=spec)


def _target_of(formula: str, lhs, data: pd.DataFrame):
    """(the left side as text, formulaic's spec of it when it is an expression, else None)."""
    if lhs is None:
        return None, None
    terms = [t for t in lhs if str(t) != "1"]
    if len(terms) != 1 or len(terms[0].factors) != 1:
        raise ValueError(f"formula {formula!r}: the left side must be one target, got {str(lhs)!r}")
    factor = terms[0].factors[0]
    name = str(factor.expr)
    if getattr(factor.eval_method, "value", None) == "lookup" or name in data.columns:
        if name not in data.columns:
            raise ValueError(f"formula {formula!r}: the target {name!r} is not a column of the data; "
                             f"columns are {[str(c) for c in data.columns]}")
        return name, None
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    try:
        mm = Formula(str(terms[0])).get_model_matrix(data, na_action="raise")
    except (FormulaicError, ValueError, TypeError, KeyError) as exc:
        raise _formula_error(formula, exc) from None
    cols = [c for c in mm.columns if c != "Intercept"]
    if len(cols) != 1:
        raise ValueError(f"formula {formula!r}: the left side {name!r} must give one numeric column, got {cols}")
    return name, mm.model_spec


def _has_target(spec: DesignSpec, data: pd.DataFrame) -> bool:
    if spec.target_spec is None:
        return spec.target in data.columns
    return set(spec.target_spec.required_variables) <= set(map(str, data.columns))


def _evaluate_target(spec: DesignSpec, data: pd.DataFrame) -> np.ndarray:
    if spec.target_spec is None:
        y = data[spec.target]
    else:
        from formulaic.errors import FormulaicError

        try:
            mm = spec.target_spec.get_model_matrix(data)
        except (FormulaicError, ValueError, TypeError, KeyError) as exc:
            raise _formula_error(spec.formula, exc) from None
        y = mm[[c for c in mm.columns if c != "Intercept"][0]]
    if y.isna().any():
        raise ValueError(f"formula {spec.formula!r}: the target {spec.target!r} has {int(y.isna().sum())} missing "
                         f"value(s); drop or impute those rows first")
    return y.to_numpy()


def _dummies(spec, levels: dict, X: pd.DataFrame) -> tuple[str, ...]:
    """Columns of terms made only of categoricals whose values are all 0 or 1 (treatment-coded indicators)."""
    out = []
    for s in spec.structure:
        factors = [str(f) for f in s.term.factors]
        if str(s.term) == "1" or not all(f in levels for f in factors):
            continue
        out += [c for c in s.columns if c in X.columns and np.isin(X[c].to_numpy(), (0.0, 1.0)).all()]
    return tuple(out)


def _baselines(levels: dict, columns) -> dict:
    """The one level of each categorical without a column of its own (treatment coding), else None."""
    cols = set(columns)
    out = {}
    for factor, lv in levels.items():
        missing = [v for v in lv if f"{factor}[T.{v}]" not in cols and f"{factor}[{v}]" not in cols]
        out[factor] = missing[0] if len(missing) == 1 and len(lv) > 1 else None
    return out


def _mentions(column: str, factor: str) -> bool:
    return column.startswith(f"{factor}[") or f":{factor}[" in column


def _short(levels, limit: int = 8) -> str:
    shown = ", ".join(str(v) for v in list(levels)[:limit])
    return shown + (f", … ({len(levels) - limit} more)" if len(levels) > limit else "")
