# kpitools developer commands. Each target creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pdf]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kpitools demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# everything but the simulations and the notebook-executing tests; well under a minute
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not notebook"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check kpitools tests benchmarks
	$(BIN)/mypy kpitools

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_summarize.py
	$(BIN)/python benchmarks/bench_median_ci.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) build *.egg-info
