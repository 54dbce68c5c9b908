# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
#
# Every version comes from uv.lock (pyproject.toml keeps the ranges; `make lock` re-resolves
# them). The venv is made with the machine's Python, the pinned uv is installed into it with
# pip, and uv installs exactly the locked versions, the dev extra included; the Dockerfile and
# CI (.ci/run calls `make test`) install from the same lock with the same uv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
UV := $(BIN)/uv
# uv works on our venv, never fetches a Python of its own, and copies rather than hard-links
# from its cache when the cache is on another file system.
UV_ENV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy

.PHONY: run test lint bench install lock

# The pinned uv goes into the venv unless it is there already (ensurepip in case pip is gone).
# --locked: fail, rather than drift, when pyproject.toml changed and uv.lock did not.
$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) && $(UV) --version | grep -qF ' $(UV_VERSION)' \
		|| { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q; \
		     $(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'; }
	$(UV_ENV) $(UV) sync --locked --extra dev --python $(BIN)/python --quiet
	touch $(STAMP)

install: $(STAMP)

## Re-resolve uv.lock after changing a range in pyproject.toml (needs the package index).
lock: $(STAMP)
	$(UV_ENV) $(UV) lock

## Run the bot: the console channel on SQLite unless Slack/Discord credentials are set.
run: $(STAMP)
	$(BIN)/drillbot run $(ARGS)

## The whole suite: lint, types, content check, tests (SQLite and PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check bot tests bench migrations setup.py
	$(BIN)/ruff format --check bot tests bench migrations setup.py
	$(BIN)/mypy
	$(BIN)/drillbot content check
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench
