# Two commands: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench mutation clean

$(VENV)/.installed: requirements.txt
	@scripts/bootstrap-venv "$(PYTHON)" "$(VENV)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# `make run PORT=8123` serves on another port. The demo runs its tasks in the web process, and
# Celery logs each one: LOG_LEVEL=ERROR keeps those lines (and the in-memory broker's) out of the
# way of the logins and the URL; `make run LOG_LEVEL=INFO` shows them while serving.
run: PORT ?= 8000
run: LOG_LEVEL ?= ERROR
run: $(VENV)/.installed
	@scripts/ensure-run-system-packages
	@LOG_LEVEL=$(LOG_LEVEL) $(PY) manage.py migrate --noinput --verbosity 0
	@LOG_LEVEL=$(LOG_LEVEL) $(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	@LOG_LEVEL=$(LOG_LEVEL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	@scripts/ensure-test-system-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest -v

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed-dev
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

bench: $(VENV)/.installed-bench
	@scripts/ensure-test-system-packages
	$(PY) bench/render_paper.py
	$(PY) bench/build_system_plan.py
	$(PY) bench/plan_latency.py
	$(PY) bench/build_all_plans.py
	$(PY) bench/storm.py
	$(PY) bench/web_load.py

# Mutation testing, by hand (slow; see docs/mutation.md). Narrow it with
# `make mutation MUTANTS='planning.formulas.*'`; MUTATION_JOBS mutants run at once.
# One at a time by default: the mutants share one test database, and two sessions block each
# other on the same unique rows (the 2019 round).
MUTATION_JOBS ?= 1
mutation: $(VENV)/.installed-dev
	@scripts/ensure-test-system-packages
	$(PY) scripts/mutation --max-children $(MUTATION_JOBS) $(MUTANTS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
