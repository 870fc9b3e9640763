# Two commands do everything: `make serve` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# The virtual environment's interpreter: the system's /usr/bin/python3 when it is 3.11 or newer with its venv module,
# else python3 on PATH; `make PYTHON=python3.12 venv` chooses another. Debian's is linked without a shared libpython:
# the build's Python, frictionless's row check above all, runs about 10 % faster on it than on a pyenv build made
# with --enable-shared (docs/performance.md, "The nineteenth pass").
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
  2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
# Named after the interpreter too: another PYTHON makes the environment again.
STAMP := $(VENV)/.installed-from-lock-for$(subst /,-,$(PYTHON))
DB := china_ai_investments.db
PORT ?= 8001
CHROMIUM := /usr/bin/chromium
VENDORED := vendor/data-docs/node_modules/.installed

export GX_ANALYTICS_ENABLED := False
export PYTHONDONTWRITEBYTECODE := 1

VENV1 := .venv-datasette1
LOCK1 := $(VENV1)/requirements-without-datasette.txt
# The HTML site's tests; the JSON API contract (test_site_api, test_site_openapi) is 0.65's: docs/datasette-1.md.
SITE_TESTS := tests/test_site_pages.py tests/test_site_metadata.py tests/test_site_render.py \
  tests/test_site_entities.py tests/test_browser.py

.PHONY: help venv vendor build validate package serve test test-datasette1 browser lock bench clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) \
	  | sed 's/$$(PORT)/$(PORT)/g' \
	  | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock 2>&1 \
	  | { grep -v "^WARNING: Location '" || true; }
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP) ## Create .venv from requirements.lock (again when the lock or PYTHON changes)

$(VENDORED): vendor/data-docs/package-lock.json
	npm ci --prefix vendor/data-docs --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(VENDORED)

vendor: $(VENDORED) ## Install the Data Docs' CSS, JavaScript and fonts from vendor/data-docs/package-lock.json

build: $(STAMP) $(VENDORED) ## Build, validate and publish the database
	$(BIN)/etl build

validate: $(STAMP) $(VENDORED) ## Check the published database against every rule in expectations/
	$(BIN)/etl validate

package: $(STAMP) ## Regenerate data/*.csv, datapackage.json and the zip from the published database
	$(BIN)/etl package

browser: ## Install Debian's chromium for the browser tests (never a downloaded browser)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Error: $(CHROMIUM) is missing — run: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi

test: $(STAMP) $(VENDORED) browser ## Run every test
	$(BIN)/pytest

test-datasette1: $(VENDORED) browser ## Run the site tests on the latest Datasette 1.0 alpha (own venv: .venv-datasette1)
	test -x $(VENV1)/bin/python || $(PYTHON) -m venv $(VENV1)
	sed -e 's/ \\$$//' -e '/^ *--hash/d' -e '/^ *#/d' -e '/^datasette==/d' requirements.lock > $(LOCK1)
	$(VENV1)/bin/pip install --quiet --disable-pip-version-check --pre -r $(LOCK1) 'datasette>=1.0a0' 2>&1 \
	  | { grep -v "^WARNING: Location '" || true; }
	$(VENV1)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(VENV1)/bin/python -c 'import datasette.version as v; print("Datasette", v.__version__)'
	$(VENV1)/bin/pytest -q -p no:cacheprovider $(SITE_TESTS)

lock: ## Re-pin requirements.in into requirements.lock with hashes
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet uv
	.lock-venv/bin/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements.in -o requirements.lock
	rm -rf .lock-venv

serve: build ## Build, validate, package, then serve read-only on http://127.0.0.1:$(PORT) (make serve PORT=8002 for another port; Ctrl-C stops)
	$(BIN)/etl serve --port $(PORT)

bench: $(STAMP) $(VENDORED) ## Build 1k, 10k and 100k synthetic claims and print the table of docs/performance.md
	$(BIN)/python bench/bulk_build.py --claims 1000 --claims 10000 --claims 100000

clean: ## Remove the built database and build/
	rm -rf build $(DB) $(VENV1)
