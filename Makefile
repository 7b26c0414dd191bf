# Ethos: `make run` to use it, `make test` to check it. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The machines we build on have two cores; more workers only add start-up cost.
PYTEST_WORKERS ?= 2

.PHONY: run demo test test-fast e2e lint bench eval-language train-language deploy-test load security faults clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Ethos needs Python 3.11 or newer; set PYTHON=python3.11 or similar.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,postgres,deploy,load,security]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/ethos run

# A made-up practice in the data directory `make run` uses (ETHOS_DATA_DIR, default ./var), refused
# once that database has a coach; prints the address, email and passphrase to sign in with.
demo: $(VENV)/.installed
	$(VENV)/bin/ethos demo

test: $(VENV)/.installed-test
	$(PY) -m pytest -n $(PYTEST_WORKERS)

# The browser journeys alone (tests/e2e; `make test` runs them too), each page checked with axe;
# a screenshot of each journey's last page is kept under the test run's output folder.
e2e: $(VENV)/.installed-test
	$(PY) -m pytest -n $(PYTEST_WORKERS) tests/e2e

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests bench deploy load
	$(VENV)/bin/ruff format --check src tests bench deploy load

# nginx -> gunicorn workers -> PostgreSQL and the task worker, on loopback; a smoke journey through
# the proxy; all torn down after (deploy/README.md). Needs nginx and a PostgreSQL role that may
# create databases (ETHOS_STACK_PG).
deploy-test: $(VENV)/.installed-test
	PYTHON=$(abspath $(PY)) deploy/deploy-test

# 20 coaches and 20 clients for 60 s against `ethos run` on SQLite and against the set-up of
# deploy-test; writes load/results.json (load/README.md). LOAD_SECONDS, LOAD_COACHES, LOAD_CLIENTS.
load: $(VENV)/.installed-test
	PYTHON=$(abspath $(PY)) load/run-load

# kill -9 gunicorn workers during note autosaves and signings, restart PostgreSQL under load, fill
# the disk under SQLite; every note checked and `ethos audit verify` after each (deploy/faults,
# about 4 minutes, as root; restarts the PostgreSQL cluster of ETHOS_STACK_PG). FAULTS_SECONDS.
faults: $(VENV)/.installed-test
	PYTHON=$(abspath $(PY)) deploy/faults

# bandit over src/, and Debian's wapiti signed in against the deploy-test set-up with a seeded
# practice (about 15 minutes); findings explained in deploy/SECURITY-SCANS.md. Not in CI.
security: $(VENV)/.installed-test
	PYTHON=$(abspath $(PY)) deploy/security-scan

# Every bench/bench_*.py, then a one-page summary (with the last load test's figures, if any);
# the page bench's full practice (500 clients, 20,000 signed notes) is most of its 15-20 minutes.
bench: $(VENV)/.installed-test
	$(PY) bench/run.py

eval-language: $(VENV)/.installed
	$(PY) -m ethos.language.evaluate

# Retrain the learned layer of the language checker from the dev split (deterministic: the
# same dev split gives the same src/ethos/language/model.json byte for byte).
train-language: $(VENV)/.installed
	$(PY) -m ethos.language.train

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
