r"""The compiled nutpie model on disk, so that a new process skips the numba compile.

nutpie turns the PyMC model's log density and gradient (and the map from the
unconstrained vector to the stored variables) into two numba C callbacks, an
LLVM compile of 10–75 s that numba does not cache (its cache refuses closures
like these).  For a problem whose model structure was compiled before, this
module stores and reloads the callbacks' machine code in numba's own serialized
form (object code plus bitcode, what numba's cache keeps for a function) with
nutpie's metadata (dimensions, variable names and shapes, the layout of the
``pm.Data`` record the callbacks read), and rebuilds nutpie's compiled model
around them with this problem's data: loading takes well under a second and
does not import PyMC.  The density is still the PyMC model's: only its compiled
form is reused.

**Where.**  ``$BAYESREG_CACHE_DIR`` if set (``off``, ``0``, ``none`` or empty:
no disk cache), else ``$XDG_CACHE_HOME/bayesreg``, else ``~/.cache/bayesreg``;
entries in its ``nutpie/`` folder, one file per model structure, at most
:data:`MAX_ENTRIES` (the least recently used are removed).  Deleting the folder is
always safe.

**Key** (sha-256 of its text): the problem's structure key (likelihood, prior and
intercept-prior kinds, whether σ is estimated and its prior's kind, intercept,
feature names, sample weights), the names, dtypes and ranks of the ``pm.Data``
values, the source code of bayesreg and of every prior/likelihood class of the
model (a user's own class included), the versions of Python, NumPy, numba,
llvmlite, PyTensor, PyMC and nutpie, and numba's target (CPU name and features).
Data values, λ and the number of rows are not part of it: they reach the callbacks
through ``with_data`` as in one process.

**Never a wrong posterior.**  A file is a header, the sha-256 of its payload and the
payload; one that cannot be read, does not match its checksum or its key text,
cannot be loaded by numba, or whose loaded density disagrees with the model's own U
(where there is a MAP: log p at two points against −U, and the gradient against a
finite difference of U) is deleted and the model compiled again.  Only callbacks
without process-specific addresses are stored (numba's own rule), and only those
whose symbols all carry PyTensor's random 128-bit ids, so that they cannot collide
with functions compiled in the loading process.  Writes go to a temporary file that
is renamed into place: two processes writing the same entry leave one complete file.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import io
import logging
import os
import pickle
import re
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from .problem import Problem

__all__ = ["FORMAT", "MAX_ENTRIES", "DiskEntry", "cache_dir", "check_density", "decode_entry", "encode_entry"]

logger = logging.getLogger(__name__)

#: Bump when the stored layout changes: older files then simply stop matching.
FORMAT = 1

#: Entries kept in the folder (about 0.2–1 MB each); the least recently used go first.
MAX_ENTRIES = 64

_MAGIC = b"bayesreg-nutpie-cache\n"
_OFF = ("", "0", "off", "none", "false", "no")
_PACKAGE = Path(__file__).resolve().parent.parent
_source_digests: dict[str, str] = {}


def cache_dir() -> Path | None:
    """The folder of compiled models: None when ``BAYESREG_CACHE_DIR`` turns the disk cache off."""
    env = os.environ.get("BAYESREG_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env).expanduser() / "nutpie"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "bayesreg" / "nutpie"


# -- the key --------------------------------------------------------------------------

def _file_digest(path: str) -> str:
    if path not in _source_digests:
        _source_digests[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return _source_digests[path]


def _package_digest() -> str:
    """sha-256 over bayesreg's own source files (a code change is a new key)."""
    if "<bayesreg>" not in _source_digests:
        h = hashlib.sha256()
        for f in sorted(_PACKAGE.rglob("*.py")):
            h.update(str(f.relative_to(_PACKAGE)).encode() + b"\0" + f.read_bytes() + b"\0")
        _source_digests["<bayesreg>"] = h.hexdigest()
    return _source_digests["<bayesreg>"]


def _class_sources(objects) -> tuple | None:
    """Digests of the source files of the classes (and bases) of ``objects`` outside bayesreg; None if one has no file."""
    out = set()
    for obj in objects:
        for cls in type(obj).__mro__:
            if cls.__module__ in ("builtins", "abc") or cls.__module__.split(".")[0] == "bayesreg":
                continue
            path = getattr(sys.modules.get(cls.__module__), "__file__", None)
            if not path or not os.path.isfile(path):
                return None  # a class typed into a notebook or a REPL: no source to key on
            out.add((cls.__module__, cls.__qualname__, _file_digest(path)))
    return tuple(sorted(out))


def _versions() -> tuple:
    names = ("numpy", "numba", "llvmlite", "pytensor", "pymc", "nutpie")
    return (sys.version,) + tuple((n, importlib.metadata.version(n)) for n in names)


def _codegen(runtime: bool = False):
    """numba's CPU code generator; ``runtime``: with numba's runtime (NRT) registered, as loading code needs."""
    from numba.core.registry import cpu_target

    context = cpu_target.target_context
    if runtime:
        from numba.core.runtime import rtsys

        rtsys.initialize(context)  # registers the NRT_* symbols (done by a process's first compile otherwise)
    return context.codegen()


def _key_text(problem: Problem, structure: tuple, values: dict) -> str | None:
    m = problem.model
    classes = _class_sources(x for x in (m.likelihood, m.prior, getattr(m, "prior_spec", None), m.noise_prior,
                                         m.intercept_prior) if x is not None)
    if classes is None:
        return None
    data = tuple(sorted((k, np.asarray(v).dtype.str, np.ndim(v)) for k, v in values.items()))
    return repr((FORMAT, structure, data, _package_digest(), classes, _versions(), _codegen().magic_tuple()))


# -- (de)serializing numba's callbacks ------------------------------------------------------

_ABI_UID = re.compile(r"B(\d+)v(\d+)")


def _small_uids(names) -> bool:
    """Whether a mangled name carries a numba function id below 2**64 (an abi tag ``B<len>v<id>``)."""
    return any(int(length) == len(uid) + 1 and int(uid) < 2**64
               for n in names for length, uid in _ABI_UID.findall(n))


def _callback_state(cfunc) -> dict | None:
    """What reloads a numba ``cfunc`` in another process, or None if it cannot be reused there."""
    from numba.core.environment import lookup_environment

    library = cfunc._library
    if library.has_dynamic_globals or library._reload_init:  # process addresses, or init hooks
        return None
    module = library._final_module
    names = [g.name for g in module.functions if not g.is_declaration]
    names += [g.name for g in module.global_variables]
    # numba numbers functions 1, 2, … per process unless PyTensor made the ids random: small ids could name
    # another body in the loading process (numba issue 10486)
    if _small_uids(names):
        return None
    envs = []
    for name in names:
        env = lookup_environment(name) if name.startswith("_ZN08NumbaEnv") else None
        if env is not None and env.can_cache():
            envs.append(pickle.dumps(env))
    return {"library": library.serialize_using_object_code(), "symbol": cfunc.native_name, "envs": envs}


def _environment(modname: str, consts: list, env_name: str):
    """numba's ``_rebuild_env`` without importing ``modname`` (PyTensor's modules: a second of imports).

    An environment holds the constants a function boxes when it raises (here a dtype or two);
    its globals serve object-mode code only, which these callbacks do not contain.
    """
    from numba.core.environment import Environment, lookup_environment

    env = lookup_environment(env_name)
    if env is None:
        module = sys.modules.get(modname)
        env = Environment(module.__dict__ if module is not None else {"__name__": modname})
        env.consts[:] = consts
        env.env_name = env_name
        Environment._memo[env_name] = env
    return env


class _EnvUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("numba.core.environment", "_rebuild_env"):
            return _environment
        return super().find_class(module, name)


class LoadedCallback:
    """A callback reloaded from disk: its ``address`` (what nutpie reads), kept alive with its library."""

    def __init__(self, state: dict):
        from llvmlite import binding

        codegen = _codegen(runtime=True)
        self._library = codegen.unserialize_library(state["library"])
        # an unresolved symbol would abort the process (LLVM ERROR) when the code is linked: refuse it first
        engine = codegen._engine
        missing = [f.name for f in self._library._shared_module.functions
                   if f.is_declaration and not f.name.startswith("llvm.") and not engine.is_symbol_defined(f.name)
                   and binding.address_of_symbol(f.name) is None]
        if missing:
            raise ValueError(f"the cached code needs symbols this process does not have: {missing[:3]}")
        self._envs = [_EnvUnpickler(io.BytesIO(blob)).load() for blob in state["envs"]]  # alive with the code
        for env in self._envs:
            codegen.set_env(env.env_name, env)
        self.address = self._library.get_pointer_to_function(state["symbol"])
        if not self.address:
            raise ValueError(f"symbol {state['symbol']!r} not found in the cached library")


class _SharedName:
    """Stands for a PyTensor shared variable in nutpie's compiled model: it reads only ``name`` and ``ndim``."""

    def __init__(self, name: str, ndim: int):
        self.name, self.ndim = name, ndim


def _metadata(compiled) -> dict:
    shared = [(key, var.name, int(var.ndim), compiled.shared_data[key].dtype.str)
              for var, key in compiled.shared_var_keys.items()]
    names, slices, shapes = compiled.shape_info
    return {"n_dim": int(compiled.n_dim), "n_expanded": int(compiled.n_expanded), "shared": shared,
            "shape_info": (list(names), [(s.start, s.stop) for s in slices], [tuple(map(int, s)) for s in shapes]),
            "dims": {k: tuple(v) for k, v in (compiled.dims or {}).items()},
            "coords": {k: list(v) for k, v in (compiled.coords or {}).items()},
            "reparameterized_names": list(compiled.reparameterized_names or [])}


def _rebuild(meta: dict, logp: LoadedCallback, expand: LoadedCallback, problem: Problem, values: dict):
    """nutpie's compiled model around reloaded callbacks, with ``values`` as its data (None if one is missing)."""
    import pandas as pd
    from nutpie.compile_pymc import CompiledPyMCModel, make_user_data

    shared_var_keys, shared_data = {}, {}
    for key, name, ndim, dtype in meta["shared"]:
        if name not in values or np.ndim(values[name]) != ndim:
            return None
        value = np.array(values[name], dtype=np.dtype(dtype), order="C", copy=True)
        value.flags.writeable = False
        shared_var_keys[_SharedName(name, ndim)] = key
        shared_data[key] = value
    names, slices, shapes = meta["shape_info"]
    shape_info = (names, [slice(a, b) for a, b in slices], shapes)
    coords = {k: pd.Index(v) for k, v in meta["coords"].items()}
    if "obs_id" in coords:  # the rows are data, not structure
        coords["obs_id"] = pd.RangeIndex(problem.model.n_samples)
    return CompiledPyMCModel(
        _n_dim=meta["n_dim"], dims=meta["dims"], _coords=coords, _shapes={n: tuple(s) for n, s in zip(names, shapes)},
        compiled_logp_func=logp, compiled_expand_func=expand, initial_point_func=None, shared_data=shared_data,
        shared_var_keys=shared_var_keys, user_data=make_user_data(shared_var_keys, shared_data),
        n_expanded=meta["n_expanded"], shape_info=shape_info, logp_func=None, expand_func=None,
        reparameterized_names=meta["reparameterized_names"])


# -- checking a compiled model against U -------------------------------------------------

_LOGP = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                         ctypes.c_void_p)


def _logp_and_grad(compiled, x: np.ndarray) -> tuple[float, np.ndarray]:
    x = np.ascontiguousarray(x, dtype=float)
    grad, logp = np.empty_like(x), np.empty(1)
    code = _LOGP(compiled.compiled_logp_func.address)(x.size, x.ctypes.data, grad.ctypes.data, logp.ctypes.data,
                                                      compiled.user_data.ctypes.data)
    if code != 0:
        raise ValueError(f"the compiled log density returned error code {code}")
    return float(logp[0]), grad


def check_density(compiled, problem: Problem, flat_point) -> str:
    """"" when the compiled log density is −U + const near the MAP, else what differs.

    ``flat_point(problem, θ)`` orders θ = (w, b[, log σ]) as the compiled model's vector.
    Checked: log p(θ₁) − log p(θ₀) = U(θ₀) − U(θ₁), and the gradient at θ₀ along a
    direction v against the central difference of U (points chosen away from w = 0,
    where an L1 penalty has its kink).  Without a MAP (a prior with latent variables)
    there is nothing to compare with and "" is returned.
    """
    if not problem.has_map or compiled.n_dim != problem.n_params:
        return ""
    target = problem.target
    base = problem.theta()
    n = base.size
    pattern = np.array([0.3, -0.2, 0.1, -0.4, 0.25])[np.arange(n) % 5]
    theta0 = base + pattern
    theta0 = np.where(np.abs(theta0) < 0.05, base - pattern, theta0)
    v = np.roll(pattern, 1)
    theta1 = theta0 + 0.5 * v
    lp0, g0 = _logp_and_grad(compiled, flat_point(problem, theta0))
    lp1, _ = _logp_and_grad(compiled, flat_point(problem, theta1))
    u0, u1 = target.objective(theta0), target.objective(theta1)
    scale = 1.0 + abs(u0) + abs(u1)
    if not abs((lp1 - lp0) + (u1 - u0)) <= 1e-8 * scale:
        return f"log p differences {lp1 - lp0!r} vs −ΔU {u0 - u1!r}"
    h = 1e-5
    fd = (target.objective(theta0 + h * v) - target.objective(theta0 - h * v)) / (2 * h)
    directional = float(g0 @ flat_point(problem, v))
    if not abs(directional + fd) <= 1e-5 * (1.0 + abs(fd) + scale * h):
        return f"gradient along v {directional!r} vs −dU/dv {-fd!r}"
    return ""


# -- the entry -------------------------------------------------------------------------------

def encode_entry(state: dict) -> bytes:
    """A cache file's bytes: header, sha-256 of the payload, payload (the compressed pickle of ``state``)."""
    payload = zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def decode_entry(blob: bytes) -> dict:
    """The ``state`` of :func:`encode_entry`; ValueError for a file that is not one or fails its checksum."""
    head = len(_MAGIC)
    if blob[:head] != _MAGIC:
        raise ValueError("not a bayesreg cache file")
    digest, payload = blob[head:head + 32], blob[head + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("checksum mismatch (a truncated or corrupted file)")
    return pickle.loads(zlib.decompress(payload))


class DiskEntry:
    """The disk-cache entry of one problem's model structure (``load``/``save``; no-ops when off or uncacheable)."""

    def __init__(self, problem: Problem, structure: tuple, values: dict, flat_point):
        self.problem, self.values, self.flat_point = problem, values, flat_point
        folder = cache_dir()
        self.key = None
        if folder is not None:
            try:
                self.key = _key_text(problem, structure, values)
            except Exception as exc:  # noqa: BLE001 - no key, no disk cache; never a failed run
                logger.debug("no disk cache key: %r", exc)
        self.path = None if self.key is None else folder / (hashlib.sha256(self.key.encode()).hexdigest()[:40] + ".bin")
        self.load_seconds = 0.0  # set by a successful load

    def load(self):
        """The compiled model with this problem's data, or None (absent, stale or corrupt: a bad file is removed)."""
        if self.path is None:
            return None
        t0 = time.perf_counter()
        try:
            blob = self.path.read_bytes()
        except OSError:
            return None
        try:
            compiled = self._decode(blob)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, compile instead
            logger.warning("bayesreg: ignoring a bad compiled-model cache entry %s (%s); compiling again",
                           self.path, exc)
            self._remove()
            return None
        if compiled is not None:
            self.load_seconds = time.perf_counter() - t0
            try:
                os.utime(self.path)  # recently used: pruned last
            except OSError:
                pass
        return compiled

    def _decode(self, blob: bytes):
        state = decode_entry(blob)
        if state.get("key") != self.key:
            raise ValueError("the key stored in the file is not this model's")
        compiled = _rebuild(state["meta"], LoadedCallback(state["logp"]), LoadedCallback(state["expand"]),
                            self.problem, self.values)
        if compiled is None:
            return None
        problem = check_density(compiled, self.problem, self.flat_point)
        if problem:
            raise ValueError(f"the cached density disagrees with U: {problem}")
        return compiled

    def save(self, compiled) -> None:
        """Store a freshly compiled model (atomically), if it can be reused in another process; never raises."""
        if self.path is None:
            return
        try:
            logp = _callback_state(compiled.compiled_logp_func)
            expand = _callback_state(compiled.compiled_expand_func)
            if logp is None or expand is None:
                logger.debug("compiled model not cacheable on disk (process-specific code)")
                return
            if check_density(compiled, self.problem, self.flat_point):
                return  # the check itself disagrees with this model: do not store what could never load
            blob = encode_entry({"key": self.key, "meta": _metadata(compiled), "logp": logp, "expand": expand})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".bin")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(blob)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
            _prune(self.path.parent)
        except Exception as exc:  # noqa: BLE001 - a read-only or full disk costs the next run a compile, nothing else
            logger.debug("could not store the compiled model in %s: %r", self.path, exc)

    def _remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """Keep the :data:`MAX_ENTRIES` most recently used entries (and drop stray temporary files over an hour old)."""
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:  # removed by another process meanwhile
            return 0.0

    entries = sorted(folder.glob("*.bin"), key=mtime, reverse=True)
    stale = [p for p in folder.glob(".tmp-*") if time.time() - mtime(p) > 3600]
    for p in entries[MAX_ENTRIES:] + stale:
        try:
            p.unlink()
        except OSError:
            pass
