# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# htmx and Chart.js, pinned in package-lock.json, served by the pages from /static/vendor.
VENDOR := src/atelier/web/static/vendor
ASSETS := $(VENDOR)/.installed
# The browser tests drive Debian's Chromium (Playwright never downloads a browser of its own).
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(ASSETS): package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	touch $(ASSETS)

$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium || \
		(apt-get update && apt-get install -y --no-install-recommends chromium)

run: $(STAMP) $(ASSETS)
	mkdir -p var
	$(BIN)/atelier demo --offer
	$(BIN)/atelier serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP) $(ASSETS) $(CHROMIUM)
	ATELIER_TEST_DATABASE=sqlite $(BIN)/python -m pytest

test-postgres: $(STAMP) $(ASSETS) $(CHROMIUM)
	ATELIER_TEST_DATABASE=postgresql ATELIER_TEST_REDIS=$$($(BIN)/python -m tests.services redis) \
		$(BIN)/python -m pytest

# SQLite always; PostgreSQL (with Redis when it answers) whenever it answers locally.
test: lint typecheck test-sqlite
	@if $(BIN)/python -m tests.services postgres >/dev/null; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432: suite ran on SQLite only"; fi

bench: $(STAMP)
	$(BIN)/python -m bench.wod_search

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache node_modules $(VENDOR) tests/artifacts
