# The single entry point for humans and CI. Every target creates .venv itself if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test test-all test-browser lint format demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The default test suite (skips tests marked slow or browser); under 10 minutes.
test: $(STAMP)
	$(BIN)/python -m pytest -q --cov=povlink --cov-report=term:skip-covered

## Everything, including city-scale and browser tests.
test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m '' 

## The report page in headless Chromium (Debian's chromium package; skipped if missing).
test-browser: $(STAMP)
	$(BIN)/python -m pytest -q -m browser tests/browser

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

## Synthesise a small city, resolve it on the embedded engine, evaluate it and write the report.
demo: $(STAMP)
	$(BIN)/povlink demo --dir demo

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
