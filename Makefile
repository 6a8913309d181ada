# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export DATA_DIR ?= $(CURDIR)/var

.PHONY: run test venv venv-dev sysdeps sysdeps-test messages lint check hooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e .

venv-dev: $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"

sysdeps:
	scripts/sysdeps.sh run

sysdeps-test:
	scripts/sysdeps.sh test

messages:
	DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

$(DATA_DIR)/secret_key:
	mkdir -p $(DATA_DIR)
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: sysdeps venv messages $(DATA_DIR)/secret_key
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py migrate --noinput -v0
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py seed_demo
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py collectstatic --noinput -v0
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key VENV=$(VENV) scripts/run-all.sh

test: sysdeps-test venv-dev messages node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility checks (a dev tool; nothing is served from it).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: sudo apt-get install -y npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# What CI's lint steps run (.ci/run calls these two targets), and what pre-commit runs too.
lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: venv-dev
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Install the git pre-commit hook (.pre-commit-config.yaml: the lint steps, offline).
hooks: venv-dev
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) staticfiles .pytest_cache node_modules
