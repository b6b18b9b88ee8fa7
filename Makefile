# churnlab: every set-up and check goes through here; CI runs `make test` (see .ci/run).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo-output

.PHONY: install demo test lint format bench clean browser loadtools postgres

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "churnlab needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/churnlab analyze --out $(DEMO)
	@echo "Open $(abspath $(DEMO))/report.html in a browser (one file, works offline)."

test: $(STAMP) browser postgres
	CHURNLAB_REQUIRE_BROWSER=1 CHURNLAB_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n 2 -q

# A headless browser for the tests that draw the report and the dashboard
# (tests/report/test_html_browser.py, tests/api/test_dashboard.py); Debian's chromium.
browser:
	command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends chromium; }

# A PostgreSQL server for tests/test_postgres.py and tests/store/test_history.py (started and
# stopped by the tests); Debian's.
postgres:
	command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends postgresql; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# The HTTP load tool of bench/load.py (a fixed request rate, every request's latency); Debian's hey.
loadtools:
	command -v hey >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends hey; }

bench: $(STAMP) loadtools
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
