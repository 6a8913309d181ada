# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export DATA_DIR ?= $(CURDIR)/var

.PHONY: run test venv venv-dev lock wheelhouse sysdeps sysdeps-test messages lint check hooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installed from the hashed lock only: every package at the version and with the hash written
# in requirements/*.txt (pip itself and the build tools included), then the project without
# its dependencies. To add a dependency: edit pyproject.toml, `make lock`, commit both.
venv: $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/base.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .

venv-dev: $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .

# Regenerate the lock from pyproject.toml with uv (a pip-installed tool in .venv-lock, pinned
# here). Universal: one lock for every platform, with the hashes of all their files. base.txt
# is what production installs; dev.txt adds the test tools at the same versions.
UV_VERSION ?= 0.13.9
LOCK_FLAGS := --generate-hashes --universal --python-version 3.11 --quiet
.venv-lock/bin/uv:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q "uv==$(UV_VERSION)"

lock: .venv-lock/bin/uv
	.venv-lock/bin/uv pip compile pyproject.toml requirements/build.in $(LOCK_FLAGS) \
		$(LOCK_UPGRADE) -o requirements/base.txt
	.venv-lock/bin/uv pip compile pyproject.toml requirements/build.in --extra dev \
		-c requirements/base.txt $(LOCK_FLAGS) $(LOCK_UPGRADE) -o requirements/dev.txt

# Everything an offline machine of this platform needs to install the app: the locked
# packages (wheels, or sdists where a package ships no wheel) and the app's own wheel.
# See README "Installing offline".
wheelhouse: venv
	rm -rf wheelhouse
	$(BIN)/python -m pip download -q --require-hashes -r requirements/base.txt -d wheelhouse
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w wheelhouse .
	rm -rf build
	cp requirements/base.txt wheelhouse/requirements.txt

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

# (defined before `run`: make expands a rule's prerequisites when it reads the rule)
PLOTLY_BASIC := node_modules/plotly.js-basic-dist-min/plotly-basic.min.js
run: sysdeps venv messages $(DATA_DIR)/secret_key $(PLOTLY_BASIC)
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py migrate --noinput -v0
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py seed_demo
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key $(BIN)/python manage.py collectstatic --noinput -v0
	SECRET_KEY_FILE=$(DATA_DIR)/secret_key VENV=$(VENV) scripts/run-all.sh

test: sysdeps-test venv-dev messages node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# plotly.js's partial bundle, the one npm package the pages load (policy/staticfiles.py); without
# npm the app serves the plotly Python package's full bundle instead, so `make run` still works.
$(PLOTLY_BASIC): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --omit=dev --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing (sudo apt-get install -y npm): serving the full plotly.js bundle" >&2; fi

# axe-core and lighthouse for the browser tests and the lighthouse script (dev tools; nothing is
# served from them).
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
	rm -rf $(VENV) .venv-lock staticfiles .pytest_cache node_modules wheelhouse
