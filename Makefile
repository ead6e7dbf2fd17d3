# The two commands: `make demo` runs the product, `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
UV := scripts/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test lint typecheck imports pytest bench install system-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock scripts/bootstrap.sh
	bash scripts/bootstrap.sh
	@touch $@

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(VENV)/bin/yago demo

test: system-deps install lint pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

pytest: install
	$(VENV)/bin/pytest -p no:cacheprovider -q

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache
