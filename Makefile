VENV ?= .venv
PYTHON ?= python3
# pytest-xdist workers for `make test` (0: one process; see ARCHITECTURE.md "Tests").
PYTEST_WORKERS ?= 2

.PHONY: install run dev test bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install  ## the whole product with demo data on http://127.0.0.1:8000, served by gunicorn
	VENV=$(VENV) bash deploy/run-demo.sh

dev: install  ## the same with Django's runserver, reloaded on every code change
	VENV=$(VENV) PREAU_WEB=runserver bash deploy/run-demo.sh

test: install  ## ruff, import contracts, migration check and the whole suite
	VENV=$(VENV) PYTEST_WORKERS=$(PYTEST_WORKERS) bash deploy/test.sh $(PYTEST_ARGS)

bench: install  ## every tests/benchmarks/bench_*.py in turn, each printing a table and a JSON line
	VENV=$(VENV) bash -c 'source deploy/services.sh && for script in tests/benchmarks/bench_*.py; do \
	  echo "== $$script"; $(VENV)/bin/python "$$script" || exit 1; done'

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
