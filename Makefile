# Two commands set everything up on a fresh machine with Python 3.11:
#   make run   — install into .venv, migrate the embedded SQLite, deploy processes/, seed demo data, serve
#   make test  — install with the dev extra and run linters, type checks and the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench lint clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/pybabel compile -d web/translations
	$(BIN)/guichet db upgrade
	$(BIN)/guichet processes deploy
	$(BIN)/guichet demo seed
	@# No signing key configured: a DEMO PKI under instance/pki (never committed).
	@if [ -z "$$GUICHET_SIGNING_P12" ] && [ ! -f instance/pki/president.p12 ]; then \
	  mkdir -p instance/pki && (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(18))" > instance/pki/passphrase) && \
	  GUICHET_SIGNING_PASSPHRASE="$$(cat instance/pki/passphrase)" $(BIN)/guichet pki demo instance/pki; fi
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(BIN)/guichet serve --host $(HOST) --port $(PORT)

vendor:
	bash scripts/vendor.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
test: lint
	$(BIN)/pybabel compile -d web/translations
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no test: failing"; exit 1; fi; exit $$rc

# Benchmarks (never part of make test). PostgreSQL is needed for history and http; the
# scale-out run (RabbitMQ too; long) only with CLUSTER=1:  make bench CLUSTER=1
HISTORY_SIZES ?= 1000,1000000
CLUSTER_DOSSIERS ?= 500
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/signing.py
	$(BIN)/python bench/state.py
	$(BIN)/python bench/history.py --sizes $(HISTORY_SIZES)
	$(BIN)/python bench/http_bench.py
	$(BIN)/python bench/workload.py
	@if [ -n "$(CLUSTER)" ]; then $(BIN)/python bench/cluster.py --dossiers $(CLUSTER_DOSSIERS); fi

clean:
	rm -rf $(VENV) build *.egg-info
