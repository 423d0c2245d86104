# Two commands: `make run` (set up everything and serve) and `make test` (set up and run the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint clean mutate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# Re-install only when the package definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/trainer db upgrade
	$(BIN)/trainer content sync
	$(BIN)/trainer demo --if-empty
	@echo ""
	@echo "  坐席培训与考核平台: http://$(HOST):$(PORT)/"
	@echo ""
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - "trainer:create_app()"

# The suite runs on every core (pytest-xdist), each test file on one worker so that a module's fixtures (a
# served demo, a module-wide database) are built once; `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check trainer tests benchmarks

# Mutation testing of the pure core (by hand, slow; see "Mutation testing" in README.md and tests/MUTANTS.md).
# mutmut runs the tests in a copy of the repository (mutants/), so the shared acceptance and reference folders
# are passed as absolute paths, each only when it is there. One child process: the machine has two cores.
# Results are cached in mutants/: only changed functions are tested again, and a survivor stays one when a
# test is added, so `make mutate MUTANTS="trainer.scoring.batch.*"` retests the mutants named (globs allowed);
# `rm -rf mutants` for a fresh run.
MUTATE_ENV := $(if $(wildcard ../shared/acceptance),TRAINER_ACCEPTANCE_DIR=$(abspath ../shared/acceptance)) \
	$(if $(wildcard ../shared/reference),TRAINER_REFERENCE_DIR=$(abspath ../shared/reference))
MUTATE_CHILDREN ?= 1

$(VENV)/.installed-mutate: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,mutate]"
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed

mutate: $(VENV)/.installed-mutate
	env $(MUTATE_ENV) $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	@$(BIN)/mutmut export-cicd-stats >/dev/null
	@$(BIN)/python tests/mutation_summary.py mutants/mutmut-cicd-stats.json

clean:
	rm -rf $(VENV) build *.egg-info
