# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails (invitations, password links, reminders) point at the address `make run`
# serves on, unless SITE_URL is given (`make run PORT=8123`, or SITE_URL=https://… in the env).
SITE_URL ?= http://$(HOST):$(PORT)
# `make run` is a local demo: DEBUG on, SQLite under var/ unless DATABASE_URL says otherwise.
RUN_ENV := DEBUG=True SITE_URL=$(SITE_URL)

.PHONY: run test setup demo lint messages clean bench

# The runtime dependencies at the versions in requirements.lock (README: updating the lock), then
# the portal itself without resolving them again.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed.")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The dev tools; the runtime dependencies are already there at the locked versions.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	$(RUN_ENV) $(PY) manage.py migrate --verbosity 0
	$(RUN_ENV) $(PY) manage.py load_agreement
	$(RUN_ENV) $(PY) manage.py load_demo

run: setup
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# What mypy checks (pyproject.toml [tool.mypy]): every module of the project package and the
# three apps, migrations excluded, strictly (every function annotated, no Any returned).
MYPY_FILES := tromsvekst agreements actionplans evaluation

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=True $(VENV)/bin/mypy $(MYPY_FILES)
	DEBUG=True $(PY) manage.py makemigrations --check --dry-run

# Reference checkers the suite runs (W3C Nu Html Checker, ical.js), from the npm registry.
TOOLS := tests/tools/node_modules/.installed
$(TOOLS): tests/tools/package.json tests/tools/package-lock.json
	npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
	touch $@

# --dist loadgroup: the tests of one xdist_group (a production-configured site in
# tests/production/) run on one worker, so that site is built once.
test: lint $(TOOLS)
	$(VENV)/bin/pytest -n 2 --dist loadgroup

messages: $(VENV)/.installed-dev
	DEBUG=True $(PY) manage.py makemessages --locale en --no-obsolete --no-location --ignore ".venv/*" --ignore "tests/*" --ignore "staticfiles/*" --ignore "var/*" --ignore "*/migrations/*"
	DEBUG=True $(PY) manage.py compilemessages --locale en --ignore ".venv/*"

# Build county- and national-scale data in PostgreSQL databases of their own and measure (docs/benchmarks.md).
bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
