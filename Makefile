# The two commands: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
PIP := .venv/bin/pip
MANAGE := $(PY) manage.py
SCALE ?= ci
STAMP := .venv/.installed

.PHONY: help run test install system-deps static messages db migrate demo serve lint check pytest smoke bench bench-ab bench-smoke clean

help:
	@echo "make run    - install, migrate, load demo data, serve on http://127.0.0.1:8000 with workers"
	@echo "make test   - install and run every check and the whole test suite"
	@echo "make bench SCALE=ci|full - benchmarks, results in bench/results/"
	@echo "make bench-ab BASE=<commit> - list pages of the working tree against a commit's"

# --- installation -------------------------------------------------------------------------
.venv/bin/python:
	python3 -m venv .venv
	$(PIP) install --quiet --upgrade "pip>=25.1"

$(STAMP): pyproject.toml .venv/bin/python
	scripts/phase.sh "pip install" sh -c '$(PIP) install --quiet --upgrade "pip>=25.1" && $(PIP) install --quiet --group base --group dev'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	scripts/phase.sh "npm ci" npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) node_modules/.package-lock.json system-deps

# Debian packages the suite needs: gettext for the catalogues, Chromium for browser tests.
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ "$(NEED_BROWSER)" = "1" ]; then \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	  command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

static: install
	$(MANAGE) collectstatic --noinput --verbosity 0

messages: install
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules --verbosity 0

db: install
	$(PY) scripts/check_services.py

migrate: db
	$(MANAGE) migrate --noinput --verbosity 0

demo: migrate
	$(MANAGE) seed_demo

# --- the two commands ---------------------------------------------------------------------
run: install static messages demo
	@echo "Serving on http://127.0.0.1:8000 (web, worker, beat). Ctrl-C stops all."
	ONEC_FAKE_PORT=$${ONEC_FAKE_PORT:-8093} .venv/bin/honcho start -f Procfile

test: NEED_BROWSER=1
test: install messages lint check pytest smoke bench-smoke

PHASE := scripts/phase.sh

lint: install
	$(PHASE) "ruff check" .venv/bin/ruff check .
	$(PHASE) "ruff format --check" .venv/bin/ruff format --check .

check: db
	$(PHASE) "manage.py check" $(MANAGE) check --fail-level WARNING
	$(PHASE) "makemigrations --check" $(MANAGE) makemigrations --check --dry-run --verbosity 1

pytest: install messages db
	$(PHASE) "pytest" .venv/bin/pytest --create-db --cov --cov-report=term:skip-covered

smoke: install static messages db
	$(PHASE) "make run smoke" $(PY) scripts/smoke_run.py

bench: install static messages db
	$(PY) -m bench.run --scale $(SCALE)

# Two commits' list pages timed against each other in alternation: make bench-ab BASE=<commit>
bench-ab: install static messages db
	$(PY) -m bench.ab --base $(BASE)

bench-smoke: install static messages db
	$(PHASE) "bench smoke" $(PY) -m bench.run --scale ci --smoke

clean:
	rm -rf .venv node_modules staticfiles var .pytest_cache .coverage htmlcov
