# imio.guichet — developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 0.0.0.0
INSTANCE := $(CURDIR)/instance
# The largest request body the server reads, in bytes: by default what a
# submission with a procedure's default files (5 × 10 MB, in base64) needs.
MAX_BODY ?= $(shell $(BIN)/python -c 'from imio.guichet.forms.uploads import default_max_body_size as m; print(m())')
SENTINEL := $(VENV)/.installed

.PHONY: help
help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall when the package metadata or the pins change.
$(SENTINEL): $(BIN)/python setup.py constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e ".[test,lint]" Plone
	touch $@

.PHONY: install
install: $(SENTINEL) ## Create .venv and install the add-on, Plone and the test tools (pinned)

# The browser tests' tools: axe-core from npm (pinned by package-lock.json)
# and Debian's Chromium (installed when we may; else those tests are skipped).
AXE := node_modules/axe-core/axe.min.js
CHROMIUM := /usr/bin/chromium

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "Chromium is missing (sudo apt-get install chromium): the browser tests will be skipped."; \
	fi

.PHONY: browser-tools
browser-tools: $(AXE) $(CHROMIUM) ## Install what the real-browser tests need

# The instance's configuration is regenerated on every start (PORT may
# change); its data (instance/var) is never touched.
.PHONY: instance
instance: $(SENTINEL)
	@mkdir -p $(INSTANCE)/etc $(INSTANCE)/var/filestorage $(INSTANCE)/var/blobstorage $(INSTANCE)/var/log $(INSTANCE)/var/cache
	@for f in zope.conf zope.ini site.zcml; do \
	  sed -e 's|@INSTANCE@|$(INSTANCE)|g' -e 's|@PORT@|$(PORT)|g' -e 's|@HOST@|$(HOST)|g' \
	    -e 's|@MAX_BODY@|$(MAX_BODY)|g' -e 's|@MAX_BODY_SERVER@|$(shell echo $$(($(MAX_BODY) + 1)))|g' \
	    etc/$$f.in > $(INSTANCE)/etc/$$f; \
	done

# Where the demo is served: the site's public URL, that links in e-mails use.
DEMO_HOST := $(if $(filter 0.0.0.0,$(HOST)),localhost,$(HOST))

.PHONY: demo
demo: instance ## Create the demo site (once) in the instance; keeps existing data
	GUICHET_DEMO_URL=http://$(DEMO_HOST):$(PORT) \
	  $(BIN)/zconsole run $(INSTANCE)/etc/zope.conf scripts/create_demo_site.py

.PHONY: start
start: demo ## Install if needed, create the demo site, serve it on http://localhost:$(PORT)
	@echo ""
	@echo "  imio.guichet demo: http://localhost:$(PORT)/Plone"
	@echo "  Accounts (demo only): admin/admin (Manager), backoffice/backoffice (back office),"
	@echo "                        citoyen/citoyen (citizen)"
	@echo "  API: curl -u backoffice:backoffice -H 'Accept: application/json' http://localhost:$(PORT)/Plone/@submissions"
	@echo ""
	$(BIN)/runwsgi $(INSTANCE)/etc/zope.ini

.PHONY: test
test: $(SENTINEL) browser-tools ## Install if needed and run all tests
	$(BIN)/pytest

.PHONY: lint
lint: $(SENTINEL) ## Check code style (ruff, zpretty) and the import rules (lint-imports)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	find src -name '*.zcml' -o -name '*.xml' -path '*profiles*' | xargs $(BIN)/zpretty --check
	$(BIN)/lint-imports

.PHONY: format
format: $(SENTINEL) ## Reformat code (ruff, zpretty)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts
	find src -name '*.zcml' -o -name '*.xml' -path '*profiles*' | xargs $(BIN)/zpretty -i

.PHONY: bench
bench: $(SENTINEL) ## Run the benchmarks (by hand; prints ratios)
	$(BIN)/python bench/bench_submissions.py

versions.cfg: constraints.txt ## Regenerate buildout's pins from constraints.txt
	$(PYTHON) scripts/constraints_to_versions.py

.PHONY: clean
clean: ## Remove the virtualenv (keeps the instance data)
	rm -rf $(VENV) src/*.egg-info

.PHONY: clean-instance
clean-instance: ## Remove the instance and ALL its data
	rm -rf $(INSTANCE)
