# The README's commands. Everything a fresh Debian machine needs is set up on the way.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` sweeps deadlines (cards, escalation) in the background this often; 0 turns it off.
SWEEP_EVERY ?= 60
export FLASK_APP := wsgi

.PHONY: run test bench setup system-deps lint format demo-urls clean sweep

run: setup  ## start the service on SQLite + SpatiaLite with demo data (and the deadline sweep)
	$(PY) -m flask db upgrade
	$(PY) -m flask demo load
	$(PY) -m flask demo urls --base http://$(HOST):$(PORT)
	@sweeper=""; \
	if [ "$(SWEEP_EVERY)" != "0" ]; then \
		$(PY) -m flask sla sweep --every $(SWEEP_EVERY) & sweeper=$$!; \
	fi; \
	trap '[ -z "$$sweeper" ] || kill $$sweeper 2>/dev/null' EXIT INT TERM; \
	$(PY) -m flask run --host $(HOST) --port $(PORT)

sweep: setup  ## one deadline sweep, as cron or a systemd timer runs it in production
	$(PY) -m flask sla sweep

test: setup tests/a11y/node_modules/.installed  ## the whole test suite (PostGIS too when reachable; REQUIRE_POSTGIS=1 insists)
	$(PY) -m pytest $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility checks, from the npm registry (never a CDN).
tests/a11y/node_modules/.installed: tests/a11y/package.json tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund
	touch $@

BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1/jiefen_bench
BENCH_REPORTS ?= 1000000

bench: setup  ## benchmarks, not tests: a PostGIS district at real volume; routing, intake, reading, ledger
	$(PY) -m bench --database-url $(BENCH_DATABASE_URL) --reports $(BENCH_REPORTS) $(BENCH_ARGS)

setup: system-deps $(VENV)/.installed

system-deps:
	@bash scripts/system-deps.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) instance
