# The README's two commands: `make run` (install + main job) and `make test`
# (install test extras + run the tests). Both build .venv with Python >= 3.12:
# on an older interpreter pip would silently install PyMC 5 / ArviZ 0.x instead.
PY_CANDIDATES := python3.12 python3.13 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) python3
PYTHON := $(firstword $(foreach p,$(PY_CANDIDATES),$(shell $(p) -c 'import sys; print("$(p)") if sys.version_info >= (3, 12) else None' 2>/dev/null)))
VENV := .venv
VPY := $(VENV)/bin/python

.PHONY: run test install install-test browser clean

$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "bayesreg needs Python >= 3.12 (PyMC 6 / ArviZ 1.x); none found on PATH or in ~/.pyenv" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

install: $(VPY)
	$(VPY) -m pip install -q -e .

install-test: $(VPY)
	$(VPY) -m pip install -q -e '.[test]'

run: install
	$(VENV)/bin/bayesreg compare --out out    # writes out/report.html too (compare's default; --no-report skips it)

test: install-test browser
	$(VPY) -m pytest -x -q

# The browser tests (tests/test_reports_browser.py) open the HTML reports in headless Chromium through
# the system chromedriver.  Installed here when missing, once and quietly, on a Debian/Ubuntu machine as
# root (as in CI); elsewhere this says so and those tests skip with the same message.
browser:
	@if command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; }; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium and chromium-driver (apt-get) for the browser tests…"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
	  || echo "note: apt-get could not install chromium/chromium-driver: the browser tests will skip"; \
	else echo "note: chromium/chromedriver missing and not installable here (needs root and apt-get): the browser tests will skip"; fi

clean:
	rm -rf $(VENV) out
