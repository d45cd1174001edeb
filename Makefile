# gridtui: `make demo` and `make test` are all a fresh machine needs (Python 3.11).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB ?= var/demo.sqlite
DEMO_SPEED ?= 60
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# pytest-xdist workers: two per CPU, since many tests spend their time waiting for a
# server, a child process or the change feed (2 cores, 4 workers: 3 min 4 s to 3 min
# 41 s over five runs); tests that share a module's server or city carry an xdist_group
# mark and run on one worker (--dist loadgroup), and tests marked slow are handed out
# first (tests/conftest.py)
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
PYTEST_XDIST = -n $(TEST_WORKERS) --dist loadgroup
# bytecode caches on even where the environment turns them off: every worker and the
# ~100 gridtui processes the suite starts would otherwise compile the package (and
# pytest rewrite its plugins' asserts) from source each time
PYTEST_ENV = PYTHONDONTWRITEBYTECODE=

.PHONY: demo test test-pg bench bench-api bench-surge bench-backlog lint clean venv

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed-test

demo: $(VENV)/.installed-test
	@mkdir -p var
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/gridtui --db sqlite:///$(DEMO_DB) db upgrade
	$(BIN)/gridtui --db sqlite:///$(DEMO_DB) load fixtures
	$(BIN)/gridtui --db sqlite:///$(DEMO_DB) seed --scale demo --seed 1
	$(BIN)/gridtui --db sqlite:///$(DEMO_DB) demo --speed $(DEMO_SPEED)

test: $(VENV)/.installed-test
	$(PYTEST_ENV) $(BIN)/python -m pytest -q $(PYTEST_XDIST)

test-pg: $(VENV)/.installed-test
	$(PYTEST_ENV) GRIDTUI_TEST_PG=$(PG_URL) $(BIN)/python -m pytest -q -m postgres $(PYTEST_XDIST)

bench: $(VENV)/.installed-test
	GRIDTUI_BENCH_DIR=bench/out $(BIN)/python bench/seed_city.py --keep
	GRIDTUI_BENCH_DIR=bench/out $(BIN)/python bench/tui_city.py

# The API on loopback (bench/README.md); seeds the city database only when it is missing.
bench-api: $(VENV)/.installed-test
	dir=$${GRIDTUI_BENCH_DIR:-bench/out}; \
	if [ ! -f "$$dir/city.sqlite" ]; then \
		GRIDTUI_BENCH_DIR="$$dir" $(BIN)/python bench/seed_city.py --keep || exit 1; \
	fi; \
	GRIDTUI_BENCH_DIR="$$dir" $(BIN)/python bench/api_loopback.py

# A hotline surge and the morning after an outage (bench/README.md); demo cities made
# for the run (SQLite, and PostgreSQL at PG_URL for the surge).
bench-surge: $(VENV)/.installed-test
	GRIDTUI_TEST_PG=$(PG_URL) $(BIN)/python bench/surge.py

bench-backlog: $(VENV)/.installed-test
	$(BIN)/python bench/backlog.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check gridtui tests bench
	$(BIN)/ruff check gridtui tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
