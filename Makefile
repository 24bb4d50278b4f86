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

# Two workers (each with its own PostgreSQL database, SQLite files and Redis keys), storage's
# coverage measured to check that every dialect-specific line of it runs on PostgreSQL
# (tests/dialect_coverage.py); then the e2e tests and the few marked `alone` one at a time, as
# they start processes of their own or time what they do.
test: $(VENV)/.dev
	$(PY) -m pytest -n 2 -m "not e2e and not alone" --cov --cov-report= --durations=5
	$(PY) -m tests.dialect_coverage
	$(PY) -m pytest -m "e2e or alone" --durations=10

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
