"""What ``import bayesreg`` and ``bayesreg --help`` load (structure, not timing).

Both must stay light: neither imports PyMC, ArviZ, Dask, matplotlib, PyTensor, nutpie,
xarray, pandas, SciPy or scikit-learn (benchmarks/import_time.py times them against
``import sklearn.base``).  Each check runs in a fresh interpreter, since this test process
has long imported everything.  The CLI builds its parsers from plain name lists; here they
are checked against the registries they stand for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bayesreg

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pymc", "arviz", "dask", "distributed", "matplotlib", "pytensor", "nutpie", "xarray", "pandas", "scipy",
         "sklearn", "formulaic", "numba")
COMMANDS = ("fit", "compare", "compare-priors", "sweep", "demo")


def run_fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter on this checkout; it prints one JSON object, returned here."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


LOADED = "json.dumps(sorted({m.split('.')[0] for m in sys.modules}))"


def heavy_in(loaded: list[str]) -> list[str]:
    return [name for name in HEAVY if name in loaded]


def test_import_bayesreg_loads_no_heavy_library():
    loaded = run_fresh(f"import json, sys\nimport bayesreg\nprint({LOADED})")
    assert heavy_in(loaded) == []
    assert "numpy" not in loaded  # nothing at all until a name is used


def test_cli_help_of_every_command_loads_no_heavy_library():
    code = f"""
import contextlib, io, json, sys
from bayesreg.cli import main
texts = {{}}
for cmd in ([], *[[c] for c in {COMMANDS!r}]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        main([*cmd, "--help"])
    texts[" ".join(cmd)] = buf.getvalue()
print(json.dumps({{"loaded": {LOADED[len("json.dumps("):-1]}, "help": texts}}))
"""
    result = run_fresh(code)
    assert heavy_in(result["loaded"]) == []
    texts = result["help"]
    assert f"{{{','.join(COMMANDS)}}}" in texts[""]
    for cmd in COMMANDS:  # each sub-command's own help, not the top-level one
        assert texts[cmd].startswith(f"usage: bayesreg {cmd} "), texts[cmd][:200]


def test_a_parse_error_loads_no_heavy_library():
    """A wrong choice is reported by argparse before any command runs, still without the heavy imports."""
    code = f"""
import contextlib, io, json, sys
from bayesreg.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
    main(["fit", "--prior", "nope"])
print(json.dumps({{"loaded": {LOADED[len("json.dumps("):-1]}, "err": err.getvalue()}}))
"""
    result = run_fresh(code)
    assert heavy_in(result["loaded"]) == []
    assert "invalid choice: 'nope'" in result["err"] and "regularized-horseshoe" in result["err"]


def builtin(registry: dict) -> dict:
    """The library's own entries of a registry (other tests register user priors in this process)."""
    return {name: cls for name, cls in registry.items() if cls.__module__.startswith("bayesreg.")}


def parser_choices() -> dict:
    from bayesreg.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    return {cmd: {a.dest: list(a.choices) for a in p._actions if a.choices is not None} for cmd, p in sub.items()}


def test_cli_name_lists_equal_the_registries():
    """PRIORS, SOLVERS, NOISE_PRIORS and the --sampler choices of the parsers are the library's own lists."""
    from bayesreg.cli import common
    from bayesreg.cli.compare_priors import prior_kinds
    from bayesreg.noise import NoisePrior
    from bayesreg.posterior.sample import SAMPLERS
    from bayesreg.solvers import SOLVERS

    # every --prior name builds the prior it names, and they are all the library's priors with a PyMC form
    built = {kind: type(common.prior_from_args(kind, None, None)).__name__.lower() for kind in common.PRIORS}
    assert all(cls == kind.replace("-", "") for kind, cls in built.items()), built
    assert sorted(built.values()) == sorted(builtin(prior_kinds()))
    assert sorted(common.SOLVERS) == sorted(SOLVERS)
    noise = sorted(builtin(NoisePrior.registry))
    assert sorted(common.NOISE_PRIORS) == noise == sorted(c.__name__.lower() for c in common.NOISE_PRIORS.values())
    choices = parser_choices()
    for cmd in ("fit", "compare", "compare-priors", "sweep"):
        assert choices[cmd]["solver"] == sorted(SOLVERS)
        assert choices[cmd]["noise_prior"] == noise
        assert choices[cmd]["likelihood"] == ["logistic", "linear", "poisson"]
    for cmd in ("compare", "compare-priors"):
        assert choices[cmd]["sampler"] == list(SAMPLERS)
    assert choices["fit"]["prior"] == choices["compare"]["prior"] == list(common.PRIORS)
    assert set(choices["sweep"]["prior"]) <= set(common.PRIORS)


def test_the_compare_priors_help_lists_the_library_kinds(capsys):
    from bayesreg.cli import main
    from bayesreg.cli.compare_priors import prior_kinds

    with pytest.raises(SystemExit):
        main(["compare-priors", "--help"])
    assert f"prior kinds: {', '.join(sorted(builtin(prior_kinds())))}" in capsys.readouterr().out


def test_every_public_name_resolves_and_dir_lists_them():
    import pkgutil

    names = dir(bayesreg)
    submodules = [m.name for m in pkgutil.iter_modules(bayesreg.__path__) if not m.name.startswith("_")]
    assert set(bayesreg.__all__) <= set(names)
    assert set(submodules) <= set(names)
    for name in [n for n in names if not n.startswith("_")]:
        assert getattr(bayesreg, name) is not None, name
    assert bayesreg.LogisticRegression.__module__ == "bayesreg.estimators"
    assert bayesreg.Gaussian is bayesreg.priors.Gaussian
    assert bayesreg.sample_posterior is bayesreg.posterior.sample_posterior
    with pytest.raises(AttributeError, match="no_such_name"):
        bayesreg.no_such_name  # noqa: B018


def test_the_function_compare_is_not_replaced_by_its_module():
    """``bayesreg.compare`` is the function (as with eager imports), even after ``import bayesreg.compare``."""
    code = """
import json, types
import bayesreg.compare
from bayesreg.compare import hdi
import bayesreg
print(json.dumps({"function": isinstance(bayesreg.compare, types.FunctionType), "hdi": bayesreg.hdi is hdi,
                  "compare": bayesreg.compare.__module__ + "." + bayesreg.compare.__name__}))
"""
    r = run_fresh(code)
    assert r["function"] and r["hdi"] and r["compare"] == "bayesreg.compare.compare"


def test_import_star_gives_all():
    ns: dict = {}
    exec("from bayesreg import *", ns)  # noqa: S102 - the statement under test
    assert sorted(k for k in ns if not k.startswith("__")) == sorted(bayesreg.__all__)
    assert ns["compare"] is bayesreg.compare and callable(ns["compare"])


def test_the_cli_module_still_names_the_estimators():
    from bayesreg.cli import common

    assert common.LogisticRegression is bayesreg.LogisticRegression
    assert common.PoissonRegression is bayesreg.PoissonRegression
    with pytest.raises(AttributeError):
        common.NoSuchName  # noqa: B018
