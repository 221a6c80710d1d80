"""Save and load a whole analysis — MAP, posterior(s), comparison, priors, settings — in ONE netCDF file.

The file is an xarray DataTree written with h5netcdf::

    /                 attrs: format, format_version, bayesreg_version, contents (JSON: the groups, with
                      the posteriors' layout, e.g. "posteriors:single"), settings (JSON)
    /map              coef (feature), intercept, objective; history_objective, history_step_size,
                      history_optimality (iteration); attrs: converged, n_iter, n_grad, optimality,
                      solver, tol, message, fit_intercept, estimator, estimator_params (JSON),
                      prior_kind, prior_params (JSON), intercept_prior_kind, intercept_prior_params,
                      formula (optional: the formula of bayesreg.from_formula; the features are its columns)
    /posteriors       attrs: layout ("single" or "dict"), labels (JSON)
    /posteriors/r0    one posterior DataTree each (posterior, sample_stats, … groups as given);
    /posteriors/r1    runs are numbered because DataTree node names cannot contain "/",
    …                 their labels are in the attrs
    /comparison       one variable per column (c0, c1, …) along dim "row"; attrs: columns,
                      column level names, index name and DataFrame.attrs (all JSON)

Writes are atomic (:mod:`bayesreg.files`): the tree goes to a temporary file in
the target's directory, which is flushed and then renamed over the target.  An
interrupted or failed write leaves any existing file at ``path`` untouched; the
temporary file of a writer killed outright is removed by the next write to the
same path; a symlinked path is written through the link.

Reading is strict: a file whose attrs are missing, extra, not valid JSON or
inconsistent with its contents (a hand-edited layout, a shortened column list,
labels that do not match the stored runs) is refused with a ValueError that
names the file, rather than read into something else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .files import atomic_write, check_path, write_netcdf
from .validation import ArgumentTypeError

__all__ = ["save_results", "load_results", "Results", "FORMAT", "FORMAT_VERSION"]

FORMAT = "bayesreg-results"
FORMAT_VERSION = 1


@dataclass
class Results:
    """What :func:`load_results` returns.  Fields are None when they were not saved."""

    map: Any = None                        # bayesreg.MapResult (with its History)
    prior: Any = None                      # bayesreg Prior, rebuilt
    intercept_prior: Any = None
    noise_prior: Any = None                # bayesreg NoisePrior of an estimated σ, rebuilt (None: σ fixed or none)
    feature_names: list[str] | None = None
    fit_intercept: bool | None = None
    formula: str | None = None             # the formula of bayesreg.from_formula, if the fit had one
    estimator: str | None = None           # class name, e.g. "LogisticRegression"
    estimator_params: dict = field(default_factory=dict)  # its simple get_params() values
    posterior: Any = None                  # DataTree, or {label: DataTree}
    comparison: pd.DataFrame | None = None
    settings: dict = field(default_factory=dict)


# -- JSON for attrs -------------------------------------------------------------------

def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        raise ArgumentTypeError(f"{what} must hold JSON-serializable values (numbers, strings, lists, dicts): {err}") from None


def _scalar(value):
    """numpy scalars read back from attrs → Python scalars."""
    return value.item() if isinstance(value, np.generic) else value


# -- the pieces -----------------------------------------------------------------------

def _simple_params(est) -> dict:
    try:
        params = est.get_params(deep=False)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: nothing to record
        return {}
    return {k: v for k, v in params.items() if v is None or isinstance(v, (bool, int, float, str))}


def _map_node(est):
    import xarray as xr

    if not hasattr(est, "coef_") or not hasattr(est, "map_") or not hasattr(est, "prior_"):
        raise ValueError(f"est must be a fitted bayesreg estimator (with coef_, map_ and prior_), "
                         f"got {type(est).__name__}")
    res = est.map_
    hist = {k: np.asarray(getattr(res.history, k), dtype=float) for k in ("objective", "step_size", "optimality")}
    if len({h.size for h in hist.values()}) != 1:
        raise ValueError(f"est.map_.history lists differ in length: { {k: h.size for k, h in hist.items()} }")
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    intercept_prior = getattr(est, "intercept_prior_", None)
    attrs = {
        "converged": int(bool(res.converged)), "n_iter": int(res.n_iter), "n_grad": int(res.n_grad),
        "optimality": float(res.optimality), "solver": str(res.solver), "tol": float(res.tol),
        "message": str(res.message), "fit_intercept": int(fit_intercept),
        "estimator": type(est).__name__, "estimator_params": _dumps(_simple_params(est), "estimator params"),
        "prior_kind": type(est.prior_).__name__, "prior_params": _dumps(est.prior_.params(), "prior params"),
    }
    if intercept_prior is not None:
        attrs["intercept_prior_kind"] = type(intercept_prior).__name__
        attrs["intercept_prior_params"] = _dumps(intercept_prior.params(), "intercept prior params")
    formula_spec = getattr(est, "formula_spec_", None)  # set by bayesreg.from_formula
    if formula_spec is not None:
        attrs["formula"] = str(formula_spec.formula)
    if res.sigma is not None:
        attrs.update(sigma=float(res.sigma), sigma_estimated=int(res.sigma_estimated), n_outer=int(res.n_outer))
    if res.solver_reason:  # why solver="auto" picked res.solver
        attrs["solver_reason"] = str(res.solver_reason)
    noise_prior = getattr(est, "noise_prior_", None)
    if noise_prior is not None:
        attrs["noise_prior_kind"] = type(noise_prior).__name__
        attrs["noise_prior_params"] = _dumps(noise_prior.params(), "noise prior params")
    ds = xr.Dataset(
        {"coef": ("feature", np.asarray(res.coef, dtype=float)),
         "intercept": ((), float(res.intercept)),
         "objective": ((), float(res.objective)),
         **{f"history_{k}": ("iteration", h) for k, h in hist.items()}},
        coords={"feature": np.asarray(est.feature_names(), dtype=str)}, attrs=attrs)
    return xr.DataTree(dataset=ds)


def _posterior_node(posterior):
    import xarray as xr

    from .compare import is_posterior_tree

    if is_posterior_tree(posterior):
        runs, layout = {"posterior": posterior}, "single"
    elif isinstance(posterior, dict) and posterior:
        runs, layout = dict(posterior), "dict"
        bad = [k for k in runs if not isinstance(k, str)]
        if bad:
            raise ArgumentTypeError(f"posterior labels must be strings, got {bad}")
    else:
        error = ValueError if isinstance(posterior, dict) else ArgumentTypeError  # {} is the right type
        raise error(f"posterior must be a DataTree or a non-empty dict {{label: DataTree}}, "
                    f"got {type(posterior).__name__}")
    node = xr.DataTree(dataset=xr.Dataset(attrs={"layout": layout, "labels": _dumps(list(runs), "labels")}))
    for i, (label, tree) in enumerate(runs.items()):
        if not is_posterior_tree(tree):
            raise ArgumentTypeError(f"posterior[{label!r}] must be a DataTree, got {type(tree).__name__}")
        node[f"r{i}"] = tree.copy()
    return node


def _comparison_node(df):
    import xarray as xr

    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(f"comparison must be a pandas DataFrame (from compare()), got {type(df).__name__}")
    multi = isinstance(df.columns, pd.MultiIndex)
    columns = [list(map(str, c)) if multi else str(c) for c in df.columns]
    data = {f"c{i}": ("row", df.iloc[:, i].to_numpy()) for i in range(df.shape[1])}
    attrs = {
        "columns": _dumps(columns, "comparison columns"),
        "column_names": _dumps([None if n is None else str(n) for n in df.columns.names], "column names"),
        "multiindex": int(multi),
        "index_name": _dumps(df.index.name, "comparison index name"),
        "frame_attrs": _dumps(df.attrs, "comparison.attrs"),
    }
    return xr.DataTree(dataset=xr.Dataset(data, coords={"row": np.asarray([str(r) for r in df.index], dtype=str)},
                                          attrs=attrs))


def _check_settings(settings) -> None:
    """None, or a dict with string keys (its values are checked when written as JSON)."""
    if settings is not None and (not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings)):
        raise ArgumentTypeError(f"settings must be a dict with string keys, got {settings!r}")


def save_results(path, *, est=None, posterior=None, comparison: pd.DataFrame | None = None,
                 settings: dict | None = None) -> Path:
    """Write a fitted estimator's MAP and priors, posterior(s), a comparison table and settings to one file.

    Parameters
    ----------
    path : str or PathLike
        Target file (conventionally ``.nc``); its directory must exist.  An
        existing file is replaced atomically.
    est : fitted bayesreg estimator, optional
        Saved: ``map_`` (coef, intercept, objective, convergence, history),
        feature names, ``prior_`` and ``intercept_prior_`` (as kind + params).
    posterior : DataTree or dict {label: DataTree}, optional
    comparison : DataFrame from :func:`bayesreg.compare.compare`, optional
        Single or two-level columns, bool columns and ``attrs`` survive.
    settings : dict, optional
        Anything JSON-serializable (tuples come back as lists).

    Returns the path written.
    """
    import xarray as xr

    from . import __version__

    p = check_path(path, for_writing=True)
    if est is None and posterior is None and comparison is None and settings is None:
        raise ValueError("nothing to save: pass at least one of est, posterior, comparison, settings")
    _check_settings(settings)

    groups = {}
    if est is not None:
        groups["map"] = _map_node(est)
    if posterior is not None:
        groups["posteriors"] = _posterior_node(posterior)
    if comparison is not None:
        groups["comparison"] = _comparison_node(comparison)
    # the posteriors' layout is said twice (here and on its node), so that editing one is caught
    contents = [f"posteriors:{node.attrs['layout']}" if name == "posteriors" else name for name, node in groups.items()]
    root = xr.DataTree(dataset=xr.Dataset(attrs={
        "format": FORMAT, "format_version": FORMAT_VERSION, "bayesreg_version": __version__,
        "contents": _dumps(contents, "contents"), "settings": _dumps(settings or {}, "settings")}))
    for name, node in groups.items():
        root[name] = node

    atomic_write(lambda tmp: write_netcdf(root, tmp), p)
    return p


# -- loading ---------------------------------------------------------------------------

def _detached(node):
    tree = node.copy()
    tree.orphan()
    tree.name = None
    return tree


class _Damaged(ValueError):
    """What is wrong with a file's structure (the caller adds the file's name)."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise _Damaged(what)


def _attrs_exactly(node, required: set[str], optional: set[str] = frozenset(), where: str = "/") -> dict:
    """The node's attrs, refusing missing and unknown ones."""
    a = dict(node.attrs)
    missing, extra = required - set(a), set(a) - required - set(optional)
    _expect(not missing, f"attrs {sorted(missing)} missing at {where}")
    _expect(not extra, f"unknown attrs {sorted(extra)} at {where}")
    return a


def _json(a: dict, key: str, kind: type, where: str):
    try:
        value = json.loads(a[key])
    except (TypeError, json.JSONDecodeError) as err:
        raise _Damaged(f"attr {key!r} at {where} is not valid JSON ({err})") from None
    _expect(isinstance(value, kind), f"attr {key!r} at {where} must be a JSON {kind.__name__}, got {value!r}")
    return value


_MAP_ATTRS = {"converged", "n_iter", "n_grad", "optimality", "solver", "tol", "message", "fit_intercept",
              "estimator", "estimator_params", "prior_kind", "prior_params"}


def _load_map(node):
    from .priors import prior_from_params
    from .solvers import History, MapResult

    from .noise import noise_prior_from_params

    a = _attrs_exactly(node, _MAP_ATTRS, {"intercept_prior_kind", "intercept_prior_params", "formula", "sigma",
                                          "sigma_estimated", "n_outer", "noise_prior_kind", "noise_prior_params",
                                          "solver_reason"}, "/map")
    _expect(("noise_prior_kind" in a) == ("noise_prior_params" in a), "noise prior kind without params")
    _expect(("intercept_prior_kind" in a) == ("intercept_prior_params" in a), "intercept prior kind without params")
    ds = node.dataset
    history = History(**{k: ds[f"history_{k}"].values.astype(float).tolist()
                         for k in ("objective", "step_size", "optimality")})
    _expect(len({len(v) for v in vars(history).values()}) == 1, "history lists of different lengths")
    res = MapResult(coef=ds["coef"].values.astype(float), intercept=float(ds["intercept"].values),
                    objective=float(ds["objective"].values), converged=bool(_scalar(a["converged"])),
                    n_iter=int(_scalar(a["n_iter"])), n_grad=int(_scalar(a["n_grad"])),
                    optimality=float(_scalar(a["optimality"])), solver=str(a["solver"]), tol=float(_scalar(a["tol"])),
                    history=history, message=str(a["message"]),
                    sigma=float(_scalar(a["sigma"])) if "sigma" in a else None,
                    sigma_estimated=bool(_scalar(a.get("sigma_estimated", 0))), n_outer=int(_scalar(a.get("n_outer", 0))),
                    solver_reason=str(a.get("solver_reason", "")))
    noise_prior = (noise_prior_from_params(str(a["noise_prior_kind"]), _json(a, "noise_prior_params", dict, "/map"))
                   if "noise_prior_kind" in a else None)
    prior = prior_from_params(str(a["prior_kind"]), _json(a, "prior_params", dict, "/map"))
    intercept_prior = None
    if "intercept_prior_kind" in a:
        intercept_prior = prior_from_params(str(a["intercept_prior_kind"]),
                                            _json(a, "intercept_prior_params", dict, "/map"))
    # a non-convex prior's MAP is a local mode (not stored: it follows from the priors)
    res.local_mode = not (prior.convex and (intercept_prior is None or not bool(_scalar(a["fit_intercept"]))
                                            or intercept_prior.convex))
    names = [str(f) for f in ds["feature"].values]
    _expect(res.coef.shape == (len(names),), "coef and feature lengths differ")
    return dict(map=res, prior=prior, intercept_prior=intercept_prior, noise_prior=noise_prior, feature_names=names,
                fit_intercept=bool(_scalar(a["fit_intercept"])), estimator=str(a["estimator"]) or None,
                formula=str(a["formula"]) if "formula" in a else None,
                estimator_params=_json(a, "estimator_params", dict, "/map"))


def _load_posteriors(node):
    a = _attrs_exactly(node, {"layout", "labels"}, where="/posteriors")
    labels = _json(a, "labels", list, "/posteriors")
    _expect(a["layout"] in ("single", "dict"), f"layout must be 'single' or 'dict', got {a['layout']!r}")
    _expect(all(isinstance(x, str) for x in labels) and len(set(labels)) == len(labels) and labels,
            f"labels must be distinct strings, got {labels!r}")
    _expect(a["layout"] == "dict" or labels == ["posterior"],
            f"a 'single' layout holds one run labelled 'posterior', got labels {labels!r}")
    stored = set(node.children)
    _expect(stored == {f"r{i}" for i in range(len(labels))},
            f"{len(labels)} labels but runs {sorted(stored)} stored")
    runs = {label: _detached(node[f"r{i}"]) for i, label in enumerate(labels)}
    return runs["posterior"] if a["layout"] == "single" else runs


def _load_comparison(node):
    a = _attrs_exactly(node, {"columns", "column_names", "multiindex", "index_name", "frame_attrs"},
                       where="/comparison")
    ds = node.dataset
    columns = _json(a, "columns", list, "/comparison")
    names = _json(a, "column_names", list, "/comparison")
    stored = sorted(v for v in ds.data_vars if str(v).startswith("c"))
    _expect(len(columns) == len(stored) and set(stored) == {f"c{i}" for i in range(len(columns))},
            f"{len(columns)} column names for {len(stored)} stored columns")
    multi = bool(_scalar(a["multiindex"]))
    _expect(all(isinstance(c, list) and len(c) == len(names) for c in columns) if multi
            else all(isinstance(c, str) for c in columns) and len(names) == 1,
            "column names do not match the column levels")
    index_name = json.loads(a["index_name"])
    data = {i: ds[f"c{i}"].values for i in range(len(columns))}
    df = pd.DataFrame(data, index=pd.Index([str(r) for r in ds["row"].values], name=index_name))
    if multi:
        df.columns = pd.MultiIndex.from_tuples([tuple(c) for c in columns], names=names)
    else:
        df.columns = pd.Index(columns, name=names[0])
    df.attrs.update(_json(a, "frame_attrs", dict, "/comparison"))
    return df


def _read_strictly(p, read):
    """``read()``, with every structural problem of the file a ValueError naming the file."""
    try:
        return read()
    except _Damaged as err:
        raise ValueError(f"{str(p)!r} is a damaged or hand-edited bayesreg file: {err}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise ValueError(f"{str(p)!r} is a damaged or hand-edited bayesreg file: "
                         f"{type(err).__name__}: {err}") from None


_ROOT_ATTRS = {"format", "format_version", "bayesreg_version", "contents", "settings"}


def _open_tree(path, fmt: str, max_version: int, kind: str, writer: str):
    """Load a bayesreg netCDF file into memory (closing it), checking its format attr, version and contents."""
    import xarray as xr

    p = check_path(path, for_writing=False, what=f"{kind} file")
    try:
        with xr.open_datatree(p, engine="h5netcdf") as opened:
            tree = opened.load()
    except (OSError, ValueError) as err:
        raise ValueError(f"{str(p)!r} is not a {kind} file written by {writer} (cannot read it as netCDF: "
                         f"{err})") from err
    if tree.attrs.get("format") != fmt:
        raise ValueError(f"{str(p)!r} is a netCDF file but not a bayesreg {kind} file "
                         f"(format attr {tree.attrs.get('format')!r}, expected {fmt!r})")

    def check():
        a = _attrs_exactly(tree, _ROOT_ATTRS)
        try:
            version = int(_scalar(a["format_version"]))
        except (TypeError, ValueError):
            raise _Damaged(f"format_version must be an integer, got {a['format_version']!r}") from None
        _expect(version <= max_version, f"format_version {version}; this bayesreg reads up to {max_version}")
        contents = _json(a, "contents", list, "/")
        names = {str(c).split(":")[0]: str(c) for c in contents}  # "posteriors:single" names its layout too
        _expect(set(names) == set(tree.children) and len(names) == len(contents),
                f"contents {contents} but groups {sorted(tree.children)}")
        layout = names.get("posteriors", "").partition(":")[2]
        if layout:
            stored = tree["posteriors"].attrs.get("layout")
            _expect(stored == layout, f"contents say the posteriors' layout is {layout!r}, the group says {stored!r}")
        return _json(a, "settings", dict, "/")

    return p, tree, _read_strictly(p, check)


def load_results(path) -> Results:
    """Read a file written by :func:`save_results` back into a :class:`Results`.

    Priors are rebuilt as objects (``prior_from_params``), the MAP as a
    :class:`bayesreg.MapResult` with its :class:`History`, posteriors as
    in-memory DataTrees (the file is closed on return), the comparison as a
    DataFrame with its columns, dtypes and ``attrs``.
    """
    p, tree, settings = _open_tree(path, FORMAT, FORMAT_VERSION, "results", "save_results")

    def read():
        out = Results(settings=settings)
        if "map" in tree.children:
            for k, v in _load_map(tree["map"]).items():
                setattr(out, k, v)
        if "posteriors" in tree.children:
            out.posterior = _load_posteriors(tree["posteriors"])
        if "comparison" in tree.children:
            out.comparison = _load_comparison(tree["comparison"])
        return out

    return _read_strictly(p, read)


# -- λ sweeps ------------------------------------------------------------------------------
#
#     /          attrs: format = "bayesreg-sweep", format_version, bayesreg_version, contents, settings (JSON)
#     /sweep     the Dataset of bayesreg.sensitivity.sweep (lam, feature)
#     /choice    optional: the Dataset of bayesreg.sensitivity.choose_lambda (lam, fold, sample)

SWEEP_FORMAT = "bayesreg-sweep"
SWEEP_FORMAT_VERSION = 1


@dataclass
class SweepResults:
    """What :func:`load_sweep` returns."""

    sweep: Any = None                      # xarray.Dataset (lam, feature)
    choice: Any = None                     # xarray.Dataset from choose_lambda, or None
    settings: dict = field(default_factory=dict)


def _sweep_node(ds, what: str):
    import xarray as xr

    if not isinstance(ds, xr.Dataset) or "lam" not in ds.dims:
        error = ValueError if isinstance(ds, xr.Dataset) else ArgumentTypeError
        raise error(f"{what} must be an xarray.Dataset with a 'lam' dimension, got {type(ds).__name__}")
    bad = [k for k, v in ds.attrs.items() if not isinstance(v, (str, int, float, np.number))
           or isinstance(v, (bool, np.bool_))]
    if bad:
        raise ArgumentTypeError(f"{what}.attrs {bad} must be strings or numbers to be written to netCDF")
    return xr.DataTree(dataset=ds)


def save_sweep(path, sweep, *, choice=None, settings: dict | None = None) -> Path:
    """Write a λ sweep (and optionally the choice of λ) to one netCDF file, atomically.

    ``sweep`` is the Dataset of :func:`bayesreg.sensitivity.sweep`; ``choice``
    that of :func:`bayesreg.sensitivity.choose_lambda`; ``settings`` anything
    JSON-serializable.  Read it back with :func:`load_sweep`.  Returns the path.
    """
    import xarray as xr

    from . import __version__

    p = check_path(path, for_writing=True)
    _check_settings(settings)
    contents = ["sweep"] + (["choice"] if choice is not None else [])
    root = xr.DataTree(dataset=xr.Dataset(attrs={
        "format": SWEEP_FORMAT, "format_version": SWEEP_FORMAT_VERSION, "bayesreg_version": __version__,
        "contents": _dumps(contents, "contents"), "settings": _dumps(settings or {}, "settings")}))
    root["sweep"] = _sweep_node(sweep, "sweep")
    if choice is not None:
        root["choice"] = _sweep_node(choice, "choice")
    atomic_write(lambda tmp: write_netcdf(root, tmp), p)
    return p


def load_sweep(path) -> SweepResults:
    """Read a file written by :func:`save_sweep` (in memory; the file is closed on return)."""
    p, tree, settings = _open_tree(path, SWEEP_FORMAT, SWEEP_FORMAT_VERSION, "sweep", "save_sweep")
    return _read_strictly(p, lambda: SweepResults(
        sweep=tree["sweep"].to_dataset(), settings=settings,
        choice=tree["choice"].to_dataset() if "choice" in tree.children else None))


__all__ += ["save_sweep", "load_sweep", "SweepResults", "SWEEP_FORMAT", "SWEEP_FORMAT_VERSION"]
