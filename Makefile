# Switchyard: `make up` runs the whole stack, `make test` runs every test. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup up down infra test unit asyncapi clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)  ## Python dependencies into .venv

up: setup  ## Kafka + PostgreSQL + migrations + every service and the simulator, in the foreground
	@bash infra/up.sh

infra: setup  ## only Kafka and PostgreSQL (background), migrated and with topics
	@bash infra/postgres.sh start
	@bash infra/kafka.sh start
	@$(VENV)/bin/switchyard migrate
	@$(VENV)/bin/switchyard topics

down:  ## stop the Kafka and PostgreSQL that `make infra` left running
	@bash infra/kafka.sh stop
	@bash infra/postgres.sh stop

test: setup  ## the whole suite; starts Kafka and PostgreSQL itself when they are not running
	@$(VENV)/bin/pytest

unit: setup  ## the fast tests only: no Kafka, no PostgreSQL
	@$(VENV)/bin/pytest tests/unit

asyncapi: setup  ## docs/asyncapi/*.json from the FastStream apps
	@$(VENV)/bin/switchyard asyncapi --out docs/asyncapi

clean: down
	rm -rf .data
