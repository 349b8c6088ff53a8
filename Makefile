# planwatch: the two commands of the README.
#   make run   install (once) and run the nightly pipeline on the bundled sample data
#   make test  install (once) and run every test
# Installs go into ./.venv from the committed uv.lock; a second run installs nothing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.planwatch-installed
# the project's Python packages (pyproject.toml [tool.hatch.build.targets.wheel] packages)
PACKAGES := core ingest expectations publishing reporting plancatalog returns samples planwatch
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run test install lint bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    install and run the nightly pipeline on the sample data"
	@echo "make test   install and run every test"
	@echo "make lint   ruff (with Airflow AIR rules), mypy and sqlfluff"
	@echo "make bench  benchmark the nightly run against a bare two-task Airflow run"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# uv sync --frozen installs exactly the lock; bytecode is compiled at install time because this machine
# sets PYTHONDONTWRITEBYTECODE=1 and every Airflow/dbt/GX process would otherwise recompile its imports.
$(STAMP): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON) --compile-bytecode
	$(VENV)/bin/python -m compileall -q $(PACKAGES) dags
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/planwatch run

# test files run in TEST_WORKERS processes, each file whole in one of them (--dist loadfile): the
# end-to-end files are minutes of one core each, and session fixtures are built once per worker. Files
# start in the order tests/conftest.py gives them (end-to-end first), not xdist's most-tests-first.
TEST_WORKERS ?= 2
test: install
	bash scripts/system_deps.sh
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install
	$(VENV)/bin/ruff check $(PACKAGES) dags tests benchmarks
	$(VENV)/bin/ruff format --check $(PACKAGES) dags tests benchmarks
	$(VENV)/bin/mypy $(PACKAGES)
	cd dbt_project && ../$(VENV)/bin/sqlfluff lint models tests

# the province benchmark's scales (1 = one district's sources for 90 counties); 100 needs about 4 GB and time
SCALES ?= 1,10,100
bench: install
	$(VENV)/bin/python benchmarks/bench_nightly.py
	$(VENV)/bin/python benchmarks/bench_province.py --scales $(SCALES)

clean:
	rm -rf warehouse landing quarantine reports .airflow dbt_project/target dbt_project/logs
