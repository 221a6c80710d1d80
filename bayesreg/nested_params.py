"""Priors as scikit-learn *nested parameters*: ``get_params``/``set_params`` and ``clone``.

scikit-learn reaches into a parameter that has ``get_params`` (``est.set_params(prior__lam=2)``,
``GridSearchCV(pipe, {"clf__prior__lam": [...]})``) and changes it **in place** through its
``set_params``.  A prior is a value (frozen dataclass, equality and hash from its parameters),
so :meth:`NestedParams.set_params` rebuilds it through its own constructor — the same
validation as ``Laplace(-1)`` gets — and only then copies the new state into the object.
A bad value therefore raises (naming the parameter) and leaves the prior unchanged.

Because equality and the hash follow the parameters, a prior changed by ``set_params`` has a
new hash: do not change a prior that is a dict key or a set member (as with any mutable key).
The estimators copy their prior at ``fit`` (``prior_``), so changing ``est.prior`` afterwards
does not change what was fitted (and ``is_current()`` sees the change).

``sklearn.base.clone`` copies a prior through ``__sklearn_clone__``: a new object built from
``get_params()``.
"""

from __future__ import annotations

import inspect

__all__ = ["NestedParams"]


class NestedParams:
    """``get_params``/``set_params``/``__sklearn_clone__`` for value objects rebuilt from constructor arguments.

    The parameter names are the constructor's; a value comes from ``params()`` where that
    method returns it (what saving uses), else from the attribute of the same name.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments by name (``deep`` is accepted for scikit-learn; a prior has no nested objects)."""
        saved = self.params() if hasattr(self, "params") else {}
        out = {}
        for name in self._param_names():
            if name in saved:
                out[name] = saved[name]
            elif hasattr(self, name):
                out[name] = getattr(self, name)
        return out

    def set_params(self, **params):
        """Change parameters in place, validated by the constructor; returns self.

        An unknown name is a ValueError listing the valid ones; a bad value raises what the
        constructor raises, and the object is left unchanged.
        """
        if not params:
            return self
        current = self.get_params()
        unknown = sorted(set(params) - set(current))
        if unknown:
            raise ValueError(f"invalid parameter {unknown[0]!r} for {self!r}; "
                             f"valid parameters: {sorted(current)}")
        rebuilt = type(self)(**{**current, **params})  # the class's own checks (__init__ / __post_init__)
        for key, value in vars(rebuilt).items():
            object.__setattr__(self, key, value)  # frozen dataclasses: bypass the frozen __setattr__
        return self

    def __sklearn_clone__(self):
        return type(self)(**self.get_params())
