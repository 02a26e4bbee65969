# The two commands of the README (`make serve`, `make test`) and what they need.
# The virtual environment is created on first use and refreshed when the pins change.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint proto venv bench

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

serve: $(STAMP)
	$(BIN)/mwf serve

# Lint, contracts in sync, then every test (unit, integration on SQLite and PostgreSQL, API, e2e).
test: $(STAMP) lint
	GRPC_VERBOSITY=ERROR $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/buf lint
	$(BIN)/buf format --diff --exit-code
	$(BIN)/python -m mwf.codegen --check

proto: $(STAMP)
	$(BIN)/python -m mwf.codegen

# Ratios measured side by side in one run (never asserted in tests).
bench: $(STAMP)
	GRPC_VERBOSITY=ERROR $(BIN)/python -m bench.gateway_overhead
	GRPC_VERBOSITY=ERROR $(BIN)/python -m bench.turn_overhead
	GRPC_VERBOSITY=ERROR $(BIN)/python -m bench.delivery_latency
