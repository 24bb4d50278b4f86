# Two commands on a fresh machine: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run sandbox test lint format bench clean lock

$(VENV)/.runtime: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "salesbot needs Python 3.11 or newer")'
	@echo "Setting up the Python environment in $(VENV) from requirements.lock (the first run takes a few minutes)..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --disable-pip-version-check --progress-bar on --require-hashes -r requirements.lock
	@echo "Python environment ready."
	@touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	@echo "Installing the test and lint tools into $(VENV) (once)..."
	@$(PIP) install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

# Without a BOT_TOKEN (in the environment or .env) there is no Telegram to talk to: try the
# bot in the sandbox instead, a local Telegram stand-in with a web chat and a demo company.
run: $(VENV)/.runtime
	@if [ -n "$$BOT_TOKEN" ] || grep -qsE '^[[:space:]]*BOT_TOKEN[[:space:]]*=[[:space:]]*[^[:space:]#]' .env; then \
		$(PY) -m bot; \
	else \
		echo "BOT_TOKEN is not set: starting the sandbox (see README, Sandbox)."; \
		$(PY) -m sandbox; \
	fi

sandbox: $(VENV)/.runtime
	$(PY) -m sandbox

# Three workers on the two cores (each with its own PostgreSQL database, SQLite files and Redis
# keys): the e2e tests wait on processes of their own much of the time, so a third worker
# fills that wait with the unit and flow tests. Coverage measures storage while a PostgreSQL
# storage or integration test runs (not the flows: it cost them ~30 % more CPU), to check
# that every dialect-specific line of it runs on PostgreSQL (tests/dialect_coverage.py). Last, one at a time, the few marked `alone`: they count 429s,
# duplicates per crash or a pace that a busy machine would spoil.
# Python may keep its compiled modules (bytecode, and pytest's rewritten test modules) even where
# the environment says not to: without them every worker and every process a test starts
# compiles the project and rewrites the tests again (~4 s of CPU a pytest process here).
test: export PYTHONDONTWRITEBYTECODE=
test: $(VENV)/.dev
	$(PY) -m pytest -n 3 -m "not alone" --cov --cov-report= --durations=10
	$(PY) -m tests.dialect_coverage
	$(PY) -m pytest -m alone --durations=10

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers storage sandbox tests benchmarks
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) benchmarks/stage_change.py

# Re-pin the lock files after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
