# Accord: `make run` serves the app with a demo; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
# Local runs are development runs unless the environment says otherwise.
export DEBUG ?= true

# Use uv from PATH when it works; otherwise install it once into .tools/ with pip.
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
# Exported: in development, links in emails and exports point where the app is served.
export HOST ?= 127.0.0.1
export PORT ?= 8000

.PHONY: help run test lint venv demo clean

help:
	@echo "make run   build the environment, migrate, load the demo and serve http://$(HOST):$(PORT)"
	@echo "make test  build the environment and run the whole suite, lint and type checks"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen
	@touch $@

venv: $(VENV)/.synced

run: venv
	@mkdir -p var/broker/processed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops the web server, worker and beat)"
	@trap 'kill 0' INT TERM; \
	$(VENV)/bin/celery -A config worker --loglevel INFO --concurrency 1 & \
	$(VENV)/bin/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule & \
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3 --no-proxy-headers & \
	wait

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-logo --no-cache
	$(VENV)/bin/bandit -c pyproject.toml -ll -q -r config accounts agreements live notifications checkins records

# pytest's 5 says no test matched PYTEST_ARGS (a -k or -m that picks none): said, not failed.
test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS) || { status=$$?; [ $$status -eq 5 ] || exit $$status; \
		echo "No test matched PYTEST_ARGS."; }

clean:
	rm -rf $(VENV) .tools var staticfiles .mypy_cache .ruff_cache .pytest_cache
