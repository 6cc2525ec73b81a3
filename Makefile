# Each target bootstraps .venv by itself: a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamps are rebuilt whenever pyproject.toml changes, so a stale venv reinstalls itself.
# The full one (make test, docs, bench): the package with every extra and tool.
STAMP := $(VENV)/.installed
# The demo's: the package with its `cli`, `storage` and `emulator-storage` extras only (no linters, type checkers or test
# tools), so a fresh clone's `make demo` installs little and starts quickly.
DEMO_STAMP := $(VENV)/.demo-installed
# Extra arguments of `qarnot-async demo` (never --cluster: make demo stays on the emulator).
DEMO_ARGS ?=

.PHONY: test lint types unit docs demo bench clean

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[cli,storage,emulator-storage]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cli]'
	touch $(STAMP) $(DEMO_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy --strict qarnot_async

unit: $(STAMP)
	$(BIN)/python -m pytest -q

# The API reference, from the docstrings; --strict fails on a broken reference.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

test: lint types docs unit

demo: $(DEMO_STAMP)
	$(BIN)/qarnot-async demo $(DEMO_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build/site
