PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	@echo "== lamlint check examples/ (the findings are the examples' deliberate mistakes) =="
	-cd examples && ../$(BIN)/lamlint check .
	@echo
	@echo "== lamlint package examples/ (zips in examples/dist/) =="
	cd examples && ../$(BIN)/lamlint package --out dist

test: $(TEST_STAMP)
	$(BIN)/ruff check lamlint tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto -q

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
