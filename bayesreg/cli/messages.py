"""What the ``bayesreg`` commands say in words a CLI user acts on.

Library messages name API arguments (``max_iter``, ``solver='newton'``, ``Flat()``); :func:`flag_message`
rewrites them with the flags a user types.  :func:`model_line` states which label is the positive class of a
logistic regression, :func:`intercept_text` describes the intercept's prior in terms of b, and
:func:`check_target` says which ``--likelihood`` a target needs, :func:`separation_lines` explains a
separated logistic regression.  :class:`CLIError` is a user error.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["CLIError", "check_target", "separation_lines", "flag_message", "target_name", "model_line", "intercept_text"]


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


#: Library phrases that name an API argument, and the flag a CLI user types instead (regex, replacement).
_FLAG_WORDS = (
    (r"\bGaussian\(lam\) or Laplace\(lam\)", "--prior gaussian or --prior laplace with --lam L"),
    (r"\bFlat\(\) or Gaussian\(lam\)", "a flat prior or a gaussian one"),
    (r"\buse Flat\(\) for no prior", "use --prior flat for no prior"),
    (r"\bwith a Flat prior", "with --prior flat"),
    (r"\ba Flat\(\) prior\b", "--prior flat"),
    (r"\bFlat\(\)", "--prior flat"),
    (r"\bGaussian\(lam\)", "--prior gaussian --lam L"),
    (r"\bLaplace\(lam\)", "--prior laplace --lam L"),
    (r"\bpass noise_sd=None to estimate", "omit --noise-sd to estimate"),
    (r"\bsolver='(\w+)'", r"--solver \1"),
    (r"\bsampler='([\w-]+)'", r"--sampler \1"),
    (r"\blearning_rate=", "a learning rate of "),
    (r"\bnoise_scaled=False\b", "no --noise-scaled"),
    (r"\ba noise-scaled prior\b", "--noise-scaled"),
    (r"(?<![-\w])max_iter\b", "--max-iter"),
    (r"(?<![-\w])noise_sd\b", "--noise-sd"),
    (r"(?<![-\w])noise_prior\b", "--noise-prior"),
    (r"(?<![-\w(.])lam2\b(?!=)", "--lam2"),
    (r"(?<![-\w(.])lam1?\b(?!=)", "--lam"),
    (r"(?<![-\w])tol\b", "--tol"),
    (r"(?<![-\w])draws\b(?==)", "--draws"),
    (r"(?<![-\w])tune\b(?==)", "--tune"),
    (r"(?<![-\w])chains\b(?==)", "--chains"),
)


def flag_message(text: str) -> str:
    """A library message with its API argument names replaced by the CLI's flags.

    "Raise max_iter, or try solver='newton'" → "Raise --max-iter, or try --solver newton";
    "use Flat() for no prior" → "use --prior flat for no prior"; "noise_sd must be > 0" → "--noise-sd must be > 0".
    """
    text = str(text)
    for pattern, flag in _FLAG_WORDS:
        text = re.sub(pattern, flag, text)
    return text


def target_name(args) -> str:
    """The name of the target column: ``--target``, the left side of ``--formula``, or "y" (generated data)."""
    if getattr(args, "target", None):
        return str(args.target)
    formula = getattr(args, "formula", None)
    if formula and "~" in formula:
        return formula.split("~", 1)[0].strip() or "y"
    return "y"


def model_line(args, data) -> str | None:
    """'model: P(y = malignant) = σ(x·w + b)' for logistic regression: which label is the positive class.

    The positive class is the larger of the two sorted labels (``classes_[1]``, as scikit-learn); None for
    the other likelihoods or a target that is not two-valued (the fit then says what is wrong).
    """
    if getattr(args, "likelihood", "logistic") != "logistic":
        return None
    labels = target_values(data)
    if len(labels) != 2:
        return None
    labels = [_label(v) for v in labels]
    name = target_name(args)
    b = "" if getattr(args, "no_intercept", False) else " + b"
    return f"model: P({name} = {labels[1]}) = σ(x·w{b})   (positive class {labels[1]}; the other class is {labels[0]})"


def target_values(data) -> np.ndarray:
    """The target's distinct values (found once at reading for Dask data, where y never comes into memory)."""
    return data.labels if data.labels is not None else np.unique(np.asarray(data.y))


def _label(value) -> str:
    """A class label as the user wrote it: 1.0 → "1" (a numeric CSV column is read as floats)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def intercept_text(prior) -> str:
    """A prior's describe() written for the intercept b (the priors describe a weight w)."""
    return prior.describe().replace("p(w)", "p(b)").replace("|w|", "|b|")


def check_target(args, data) -> None:
    """The target fits ``--likelihood``: a CLIError naming the column and the likelihood to use instead.

    logistic needs two labels (a continuous target → ``--likelihood linear``); linear needs numbers, and a
    two-valued numeric target under linear adds a note suggesting ``--likelihood logistic``.
    """
    likelihood = getattr(args, "likelihood", "logistic")
    if data.n_rows is not None:  # Dask data: the labels found at reading (logistic), else only y's dtype
        y = np.asarray(data.labels if data.labels is not None else np.zeros(0, dtype=data.y.dtype))
        labels = y
    else:
        y = np.asarray(data.y)
        labels = np.unique(y.astype(str)) if y.dtype.kind in "OUS" else np.unique(y)
    name = target_name(args)
    example = f"{labels[len(labels) // 2]}" if len(labels) else "?"
    if likelihood == "logistic" and len(labels) > 2:
        numeric = y.dtype.kind in "iuf"
        hint = (f"for a continuous target use --likelihood linear (or poisson for counts), e.g. "
                f"bayesreg {args.command} … --target {name} --likelihood linear" if numeric else
                "logistic regression needs exactly two classes")
        raise CLIError(f"--likelihood logistic (the default) needs a yes/no target, but column {name!r} holds "
                       f"{len(labels)} distinct values (e.g. {example}); {hint}")
    if likelihood in ("linear", "poisson") and len(labels) == 2:
        if y.dtype.kind not in "iufb":
            raise CLIError(f"--likelihood {likelihood} needs a numeric target, but column {name!r} is yes/no "
                           f"({labels[0]} / {labels[1]}); use --likelihood logistic")
        data.notes = data.notes + (f"note: column {name!r} takes two values ({labels[0]} / {labels[1]}); for a yes/no "
                                   f"target --likelihood logistic is the usual model",)
    elif likelihood == "linear" and y.dtype.kind not in "iufb":
        raise CLIError(f"--likelihood linear needs a numeric target, but column {name!r} holds text (e.g. {example})")


def separation_lines(args, data) -> list[str]:
    """Two lines when the classes of a logistic regression are (quasi-)separated (:mod:`bayesreg.separation`).

    Then the likelihood alone keeps rising along the separating direction: the prior alone holds the weights,
    the posterior has a long tail out that way, and its mean lies far beyond its mode (the MAP).
    """
    if getattr(args, "likelihood", "logistic") != "logistic":
        return []
    if data.n_rows is not None:
        return ["separation: not checked (its linear program needs every row in memory; the data are read with Dask)"]
    from ..separation import detect_separation

    y = np.asarray(data.y)
    labels = np.unique(y)
    if len(labels) != 2:
        return []
    sep = detect_separation(np.asarray(data.X, dtype=float), (y == labels[1]).astype(float),
                            fit_intercept=not getattr(args, "no_intercept", False))
    if not sep.separated:
        return []
    return [f"separation: the classes are {sep.kind}ly separated, so the likelihood alone would push the weights "
            f"to infinity;",
            "  only the prior holds them: the posterior mean is pulled far out along the separating direction while "
            "the MAP (the mode) stays near the origin (a skewed posterior)."]
