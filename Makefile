# OpenISMS. `make demo` serves the demo; `make test` runs every check and the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS ?= never
export UV_LINK_MODE ?= copy
# A Python >= 3.12 to build the virtual environment with (3.13 preferred, see .python-version).
PYTHON ?= $(shell for v in python3.13 python3.12 python3; do \
  if command -v $$v >/dev/null 2>&1 && $$v -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$v; break; fi; done)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
OPENISMS := $(VENV)/bin/openisms
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: help install demo serve test lint test-sqlite test-postgres test-browser bench clean

help:
	@echo "make demo    install, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test    lint, type checks, migrations and deploy checks, the whole test suite"
	@echo "make serve   serve without loading the demo"
	@echo "make lint    ruff, ruff format --check, mypy"
	@echo "make bench   run the benchmarks under bench/"

.tools/bin/uv:
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required." >&2; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required." >&2; exit 1; }
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

demo: install
	$(OPENISMS) serve --demo --host $(HOST) --port $(PORT) --workers $(WORKERS)

serve: install
	$(OPENISMS) migrate --noinput
	$(OPENISMS) serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: install
	$(VENV)/bin/ruff check openisms tests bench conftest.py
	$(VENV)/bin/ruff format --check openisms tests bench conftest.py
	$(VENV)/bin/mypy openisms

test: install
	bash scripts/test-all.sh

bench: install
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf .venv .tools test-results
