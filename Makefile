# Two commands set everything up on a fresh machine with Python 3.11:
#   make solve   - create .venv, install mine2magnet, solve the shipped example
#   make test    - create .venv, install mine2magnet with test tools, lint and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: solve test lint format docs examples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

solve: $(STAMP)
	$(BIN)/mine2magnet solve inputs/base_case.xlsx

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/python -m model.docs docs/workbook.md

examples: $(STAMP)
	$(BIN)/python -m model.examples inputs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
