# Switchyard: `make up` runs the whole stack, `make test` runs every test. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every dependency, dev ones too, at an exact version with its hashes; `make lock` writes it from pyproject.toml.
LOCK := requirements.lock
UV_VERSION := 0.13.8
UV := $(VENV)/tools/bin/uv

.PHONY: setup lock up down infra observe test unit chaos cluster bench bench-guard asyncapi clean

# Re-runs when the lock or pyproject.toml changes. `pip check` catches a runtime dependency added to pyproject.toml
# without `make lock`.
$(STAMP): $(LOCK) pyproject.toml client/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	@$(PY) -m pip install --quiet --no-deps -e ./client
	@$(PY) -m pip install --quiet --no-deps -e .
	@broken=$$($(PY) -m pip check) || { echo "$$broken"; echo "$(LOCK) does not match pyproject.toml: run make lock" >&2; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)  ## Python dependencies into .venv, exactly as requirements.lock pins them

$(UV):
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --target $(VENV)/tools uv==$(UV_VERSION)

# Keeps every version already pinned and adds what pyproject.toml newly asks for; LOCK_ARGS=--upgrade (or
# LOCK_ARGS='--upgrade-package NAME') moves pins on.
lock: $(UV)  ## requirements.lock from pyproject.toml and client/pyproject.toml (with the dev extra), for Python 3.11 on linux x86_64
	@$(UV) pip compile pyproject.toml client/pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command 'make lock' --quiet $(LOCK_ARGS) -o $(LOCK)

up: setup  ## Kafka + PostgreSQL + migrations + every service and the simulator, in the foreground
	@bash infra/up.sh

infra: setup  ## only Kafka and PostgreSQL (background), migrated and with topics
	@bash infra/postgres.sh start
	@bash infra/kafka.sh start
	@$(VENV)/bin/switchyard dev migrate
	@$(VENV)/bin/switchyard dev kafka-topics

down:  ## stop the Kafka, PostgreSQL and Prometheus that `make infra` and `make observe` left running
	@bash infra/kafka.sh stop
	@bash infra/postgres.sh stop
	@bash infra/prometheus.sh stop

observe:  ## Prometheus on 127.0.0.1:9090 scraping a `make up` stack, with the alert rules (infra/observability/)
	@bash infra/prometheus.sh check
	@bash infra/prometheus.sh start

test: setup  ## the whole suite; starts Kafka and PostgreSQL itself when they are not running
	@$(VENV)/bin/pytest

unit: setup  ## the fast tests only: no Kafka, no PostgreSQL
	@$(VENV)/bin/pytest tests/unit

bench: setup  ## every benchmark at a short size (several minutes) and one table: figures, their limits, ratios
	@PYTHONPATH=. bash infra/with-infra.sh $(PY) -m benchmarks.suite

bench-guard: setup  ## the CI subset of the benchmarks; fails when a ratio drops below its floor (benchmarks/floors.toml)
	@PYTHONPATH=. bash infra/with-infra.sh $(PY) -m benchmarks.suite --guard

asyncapi: setup  ## docs/asyncapi/*.json from the FastStream apps
	@$(VENV)/bin/switchyard dev asyncapi --out docs/asyncapi

clean: down
	rm -rf .data

# Its own Kafka and PostgreSQL (under .data/chaos, on free ports), restarted mid-run; about 6-8 minutes.
chaos: setup  ## the chaos suite: services killed, broker and database restarted, a simulator frozen, under load
	@SWITCHYARD_CHAOS=1 $(VENV)/bin/pytest tests/chaos -x -q -s

# As root: network namespaces on a private bridge, three brokers, PostgreSQL and two hosts of every service, all its
# own (under .data/cluster) and torn down at the end; 6-10 minutes. Skipped, with the reason, without namespaces.
cluster: setup  ## the cluster test: a broker, a gateway and a host lost under ~200 jobs; nothing lost or doubled
	@SWITCHYARD_CLUSTER=1 $(VENV)/bin/pytest tests/cluster -x -q -s -rs
