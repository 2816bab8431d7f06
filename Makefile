# kpitools developer commands. Each target creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pdf,engines]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kpitools demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# the library layers up to research, on pandas, on every core: everything but the simulations
# (slow), the notebooks, the PySpark session and the integration tests (CLI, other engines,
# DuckDB reading, the report layer; see tests/conftest.py) and the one-sided cases of the tests
# parametrized over alternative (their two-sided case runs)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m "not slow and not notebook and not spark and not integration and not exhaustive"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check kpitools tests benchmarks
	$(BIN)/mypy kpitools

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
