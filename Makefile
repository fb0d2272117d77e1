# xinfang — the user's commands. Only Python 3.11 and pip are assumed on the machine.
SHELL := /bin/bash
PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := .venv/bin

.PHONY: install run test test-fast lint bench fuzz e2e-deps clean

# Install uv with pip when it is missing, then the locked dependencies into .venv.
install:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON)

run: install
	$(RUN)/xinfang serve

# The whole suite, browser tests included. DATABASE_URL=postgres://… runs it on PostgreSQL.
test: install
	$(RUN)/pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-fast: install
	$(RUN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(RUN)/ruff check src tests bench
	$(RUN)/ruff format --check src tests bench
	$(RUN)/lint-imports

bench: install
	$(RUN)/python -m bench

# schemathesis against /api/v1/schema/ on a throwaway demo database (tests/fuzz/run.py);
# fails on any 5xx or response off the schema. FUZZ_MAX_EXAMPLES, FUZZ_MAX_TIME bound it.
fuzz: install
	$(RUN)/python -m tests.fuzz.run

clean:
	rm -rf .venv var test-results
