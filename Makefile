# The two commands of the README:
#   make run    create .venv from requirements.lock, sync data/exports, publish reports/
#   make test   the whole test suite (.ci/run calls exactly this)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 300

.PHONY: run test venv lock lint bench peers sample clean

run: venv
	$(BIN)/tafiti run

test: venv
	bash tests/setup_system.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml setup.py tafiti/parsing/_columns.c tafiti/store/_identities.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Re-pin every dependency after changing pyproject.toml.
# rfc3987-syntax, an optional extra of jsonschema, builds its grammars with lark
# when jsonschema is imported: about 1.5 s in every process that loads nbformat.
# Without it jsonschema skips checking the "iri" formats, which tafiti never uses.
lock:
	$(BIN)/uv pip compile --quiet pyproject.toml --extra test \
		--no-emit-package rfc3987-syntax --no-emit-package lark \
		--python-version 3.11 -o requirements.lock
	printf 'whatstk>=0.7\nchat-miner>=0.5\n' | $(BIN)/uv pip compile --quiet - \
		--python-version 3.11 -o benchmarks/requirements-peers.lock

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The benchmarks run whatstk and chat-miner from their own environment, because
# chat-miner needs the old PyPI "argparse" package, which breaks Prefect.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--quick --markdown out.md".
PEERS_VENV ?= .venv-peers

bench: venv peers
	$(BIN)/python -m benchmarks --peers-python $(PEERS_VENV)/bin/python $(BENCH_ARGS)

peers: $(PEERS_VENV)/.installed

$(PEERS_VENV)/.installed: benchmarks/requirements-peers.lock | $(VENV)/.installed
	test -x $(PEERS_VENV)/bin/python || $(BIN)/python -m venv $(PEERS_VENV)
	$(BIN)/uv pip sync --quiet --python $(PEERS_VENV)/bin/python benchmarks/requirements-peers.lock
	touch $@

# Rewrite the sample exports in data/exports and their manifest.
sample: venv
	$(BIN)/tafiti generate --sample data/exports

clean:
	rm -rf reports/groups reports/overview reports/index.html data/work data/tafiti.sqlite
