PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
RELEASE_STAMP := $(VENV)/.installed-release

.PHONY: demo test lint typecheck clean dist bench-setup

$(BIN)/python:
	@echo "== setting up $(VENV) (once) =="
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

# PYTHONWARNINGS: setuptools' "Editable installation" warning reads as a failure to a new user.
$(STAMP): $(BIN)/python pyproject.toml
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP)

demo: $(STAMP)
	@echo "== lamlint check examples/ (the findings are the examples' deliberate mistakes) =="
	@# exit 1 means "findings": the examples are meant to have them; 2 (an error) still fails
	@cd examples && ../$(BIN)/lamlint check .; status=$$?; test $$status -le 1
	@echo
	@echo "== lamlint package examples/ (zips in examples/dist/) =="
	@cd examples && ../$(BIN)/lamlint package --out dist

test: $(TEST_STAMP)
	$(BIN)/ruff check lamlint tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto -q

# The comparison tools of bench/check.py, in their own venv (never the project's); see docs/performance.md
bench-setup:
	$(PYTHON) -m venv bench/.venv
	bench/.venv/bin/python -m pip install --quiet fixit pylint ruff

$(RELEASE_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[release]'
	touch $@ $(STAMP)

# The sdist and wheel of a release in dist/, their metadata checked (see CHANGELOG.md for tagging)
dist: $(RELEASE_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
