# Two commands: `make run` (set up everything and serve) and `make test` (set up and run the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint clean

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

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check trainer tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
