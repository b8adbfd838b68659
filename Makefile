# Two commands set everything up on a fresh machine with Python 3.11:
#   make solve   - create .venv from uv.lock, install mine2magnet, solve the shipped example
#   make test    - create .venv from uv.lock with the test tools, lint and run the tests
# Every install comes from uv.lock (exact, tested versions). `make lock` refreshes the lock;
# `make test-latest` runs the suite on the newest versions pyproject.toml allows, so an
# upgrade is tried before it is locked.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
LATEST := .venv-latest
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: solve test lint format docs examples lock test-latest clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# runtime packages only (extra ones already there, e.g. the test tools, are kept)
$(VENV)/.run: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --python $(PYTHON) --quiet
	touch $@

# runtime and test packages, exactly as locked
$(VENV)/.dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	touch $@ $(VENV)/.run

solve: $(VENV)/.run
	$(BIN)/mine2magnet solve inputs/base_case.xlsx

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(VENV)/.run
	$(BIN)/python -m model.docs docs/workbook.md

examples: $(VENV)/.run
	$(BIN)/python -m model.examples inputs

# refresh uv.lock to the newest versions pyproject.toml allows (run `make test` after)
lock: | $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

# the test suite on the newest allowed versions, in a separate environment
test-latest: | $(UV)
	rm -rf $(LATEST)
	$(UV) venv $(LATEST) --python $(PYTHON) --quiet
	$(UV) pip install --python $(LATEST)/bin/python --upgrade --quiet -e ".[dev]"
	$(UV) pip list --python $(LATEST)/bin/python
	$(LATEST)/bin/python -m pytest

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) .pytest_cache .ruff_cache
