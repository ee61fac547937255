# PartnerHub developer commands. `make run` and `make test` work on a fresh machine with Python 3.13 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -1 || echo python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DEBUG=1

.PHONY: run test install migrate seed worker scheduler lint format typecheck messages check-messages bench lock clean ci

$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

# Serves the site with the background worker and the periodic scheduler beside it; Ctrl-C stops all three.
run: seed
	@echo "PartnerHub on http://$(HOST):$(PORT)/  (worker and scheduler running; Ctrl-C stops everything)"
	@# On Ctrl-C or exit, stop the worker and the scheduler (this shell's jobs). `kill 0` would signal this shell
	@# and make too, and a trap that fires again recurses until bash crashes ("Segmentation fault").
	@trap 'trap - EXIT INT TERM; kill $$(jobs -p) 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py db_worker --queue-name default & \
	$(DEV_ENV) $(BIN)/python manage.py scheduler & \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: migrate
	$(DEV_ENV) $(BIN)/python manage.py db_worker --queue-name default

scheduler: migrate
	$(DEV_ENV) $(BIN)/python manage.py scheduler

test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	SECRET_KEY=typecheck $(BIN)/mypy .

messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l ar -l zh_Hans -l en -l fr -l ru -l es --no-location --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore '.venv/*'

check-messages: install
	$(BIN)/python scripts/check_translations.py

bench: install
	$(BIN)/python -m pip install --quiet -r requirements/bench.txt
	$(BIN)/python bench/run.py

# Regenerate the exact lock files from pyproject.toml's pins (needs network access to PyPI).
lock:
	rm -rf /tmp/partnerhub-lock && $(PYTHON) -m venv /tmp/partnerhub-lock
	/tmp/partnerhub-lock/bin/pip install --quiet --upgrade pip
	$(PYTHON) scripts/pins.py base > /tmp/partnerhub-lock/base.in
	$(PYTHON) scripts/pins.py dev > /tmp/partnerhub-lock/dev.in
	/tmp/partnerhub-lock/bin/pip install --quiet -r /tmp/partnerhub-lock/base.in
	/tmp/partnerhub-lock/bin/pip freeze --exclude pip > requirements/base.txt
	/tmp/partnerhub-lock/bin/pip install --quiet -r /tmp/partnerhub-lock/dev.in
	(echo "-r base.txt"; /tmp/partnerhub-lock/bin/pip freeze --exclude pip | grep -vxF -f requirements/base.txt) > requirements/dev.txt

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
