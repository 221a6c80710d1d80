# The README's two commands: `make run` (install + main job) and `make test`
# (install test extras + run the tests). Both build .venv with Python >= 3.12:
# on an older interpreter pip would silently install PyMC 5 / ArviZ 0.x instead.
PY_CANDIDATES := python3.12 python3.13 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) python3
PYTHON := $(firstword $(foreach p,$(PY_CANDIDATES),$(shell $(p) -c 'import sys; print("$(p)") if sys.version_info >= (3, 12) else None' 2>/dev/null)))
VENV := .venv
VPY := $(VENV)/bin/python

.PHONY: run test install install-test clean

$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "bayesreg needs Python >= 3.12 (PyMC 6 / ArviZ 1.x); none found on PATH or in ~/.pyenv" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

install: $(VPY)
	$(VPY) -m pip install -q -e .

install-test: $(VPY)
	$(VPY) -m pip install -q -e '.[test]'

run: install
	$(VENV)/bin/bayesreg compare --out out

test: install-test
	$(VPY) -m pytest -x -q

clean:
	rm -rf $(VENV) out
