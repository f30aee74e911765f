VENV ?= .venv
PYTHON ?= python3

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
	VENV=$(VENV) bash deploy/test.sh $(PYTEST_ARGS)

bench: install  ## benchmarks that print figures
	VENV=$(VENV) bash -c 'source deploy/services.sh && $(VENV)/bin/python tests/benchmarks/bench_provisioning.py && $(VENV)/bin/python tests/benchmarks/bench_migrate.py && $(VENV)/bin/python tests/benchmarks/bench_batch_invoicing.py'

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
