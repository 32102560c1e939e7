# Espace Santé: two commands on a fresh machine. `make run` serves the demo at
# http://127.0.0.1:8000 (PORT overrides); `make test` runs the whole suite on SQLite and
# PostgreSQL. Everything the commands need is installed by the targets below.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_SERVER ?= postgresql://postgres@127.0.0.1:5432
export ESPACE_SANTE_DATA_DIR ?= var
VENDOR := src/espace_sante/web/static/vendor

.PHONY: install install-dev assets fonts browser run migrate demo serve test test-sqlite test-pg lint bench clean

$(BIN)/espace-sante: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(BIN)/espace-sante
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/espace-sante assets fonts

install-dev: $(VENV)/.dev-installed assets browser

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Front-end packages come from the npm registry at set-up and are never committed.
assets: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/@picocss/pico/css/pico.min.css node_modules/htmx.org/dist/htmx.min.js \
	   node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/favicon-32x32.png \
	   node_modules/chart.js/dist/chart.umd.min.js \
	   $(VENDOR)/

# PDF letters and proofs embed DejaVu Sans (French text needs more than Latin-1).
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || scripts/apt-install.sh fonts-dejavu-core

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || scripts/apt-install.sh chromium fonts-dejavu-core
	@command -v pdftotext >/dev/null || scripts/apt-install.sh poppler-utils

migrate: install
	$(BIN)/espace-sante migrate

demo: migrate
	$(BIN)/espace-sante demo

run: demo
	$(BIN)/espace-sante serve --port $(PORT)

serve: install
	$(BIN)/espace-sante serve --port $(PORT)

test: lint
	scripts/postgres.sh ensure
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-pg

test-sqlite:
	$(BIN)/pytest -q -p no:cacheprovider

test-pg:
	ESPACE_SANTE_TEST_PG=$(PG_SERVER) $(BIN)/pytest -q -p no:cacheprovider

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install-dev
	@command -v wrk >/dev/null || scripts/apt-install.sh wrk
	$(BIN)/python bench/run.py
	$(BIN)/python bench/provision.py
	$(BIN)/python bench/dossier.py
	$(BIN)/python bench/measures.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
