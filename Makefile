# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run the bot: the console channel on SQLite unless Slack/Discord credentials are set.
run: $(STAMP)
	$(BIN)/drillbot run $(ARGS)

## The whole suite: lint, types, content check, tests (SQLite and PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check bot tests bench migrations
	$(BIN)/ruff format --check bot tests bench migrations
	$(BIN)/mypy
	$(BIN)/drillbot content check
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench
