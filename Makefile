# Twelve-Factor Academy. `make run` starts the site with embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
# Procfile commands (gunicorn, celery, python) come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.DEFAULT_GOAL := help
.PHONY: help install static release run test lint contracts audit bench clean

help:  ## List the targets
	@grep -hE '^[a-z][a-z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (Debian 12: apt-get install python3 python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

install: $(VENV)/.installed  ## Build .venv from the lock file only

static: install  ## Build step: collect and compress static files
	$(PY) manage.py collectstatic --noinput --verbosity 0

release: install  ## Release step: what the Procfile's release: line runs
	$(VENV)/bin/honcho run sh -c "$$(sed -n 's/^release: //p' Procfile)"

# Development defaults: DEBUG on, everything else embedded (SQLite, server-less broker, console email).
run: export DEBUG ?= 1
run: static release wheelhouse npm-index  ## Run web, worker, beat and the grader's index proxies on :8000
	@$(MAKE) --no-print-directory -s sandbox-deps || true
	@echo "Twelve-Factor Academy: http://localhost:$(PORT)/"
	$(VENV)/bin/honcho start -p $(PORT) web worker beat index npm-index

# Tests need a SECRET_KEY like production does; this one is for tests only.
test: export SECRET_KEY ?= insecure-key-for-the-test-suite-only-0123456789abcdefghij
test: static contracts  ## Run the whole test suite (unit, process, browser and sandbox tests)
	mkdir -p test-artifacts
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	@echo "coverage: $$($(PY) -m coverage report --format=total --precision=1) % of every app's lines and branches (in-process; the web and worker subprocesses are not traced)"

contracts: install  ## Import contracts (pyproject's [tool.importlinter]): the grader is plain Python, core apps know no feature app
	$(VENV)/bin/lint-imports --no-cache

lint: install contracts audit  ## ruff (check and format), mypy (strict where pyproject says), import contracts, pip-audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy  # django-stubs' plugin imports config.settings: the development defaults will do

# Every pin in the lock against PyPI's advisory data: a known vulnerability fails, unless pip-audit-accepted.txt
# lists its id with the reason it is accepted. A package the service cannot look up is listed as skipped.
audit:  ## pip-audit requirements.lock (accepted vulnerabilities: pip-audit-accepted.txt)
	$(VENV)/bin/pip-audit --requirement requirements.lock --require-hashes --disable-pip --progress-spinner off \
		$$(sed -n 's/^\([A-Za-z][A-Za-z0-9-]*\)[[:space:]].*/--ignore-vuln \1/p' pip-audit-accepted.txt)

bench: static wheelhouse npm-index bench-deps  ## Run the benchmarks in bench/ (ratios against a baseline measured in the same run)
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:  ## Remove the venv, local data and build output
	rm -rf $(VENV) data staticfiles var test-artifacts

-include mk/*.mk
