# imio.guichet — developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 0.0.0.0
# The instance's folder: its configuration (etc, regenerated on every
# start), its data and logs (var). One folder per instance; a relative
# path is taken from this checkout.
INSTANCE ?= instance
override INSTANCE := $(abspath $(INSTANCE))

# Where the instance's database is (docs/deployment.md):
#   filestorage  Data.fs and blobs in $(INSTANCE)/var (one instance);
#   postgresql   RelStorage in the PostgreSQL database of DSN, blobs
#                included (several instances may share it).
STORAGE ?= filestorage
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= guichet
PGDATABASE ?= guichet
DSN ?= dbname=$(PGDATABASE) user=$(PGUSER) host=$(PGHOST) port=$(PGPORT)
# Who may create the role and the database of DSN when they are missing.
PGADMIN_DSN ?= dbname=postgres user=postgres host=$(PGHOST) port=$(PGPORT)
# RelStorage only: false keeps one revision per object (no undo).
KEEP_HISTORY ?= false
# Memory: each connection's object cache holds at most ZODB_CACHE_SIZE
# objects and about ZODB_CACHE_SIZE_BYTES of them (docs/deployment.md).
ZODB_CACHE_SIZE ?= 30000
ZODB_CACHE_SIZE_BYTES ?= 64MB
# RelStorage only: the process's shared cache of object states (MB), and
# the instance's cache of the database's blobs on disk.
RELSTORAGE_CACHE_MB ?= 64
BLOB_CACHE_SIZE ?= 2GB
# The audit journal of reads (files, outside the database): the same
# shared folder for every instance of a site. Its day files, like the
# database's records, are kept as long as the control panel "Guichet:
# retention of personal data" says (the daily purge deletes them);
# AUDIT_RETENTION_DAYS > 0 is an upper bound the writer also enforces.
AUDIT_JOURNAL ?= $(INSTANCE)/var/audit
AUDIT_RETENTION_DAYS ?= 0
# Backups (make backup / make restore), one timestamped folder each;
# BACKUP names the one to restore (default: the latest).
BACKUP_DIR ?= $(INSTANCE)-backups
BACKUP ?=
# make pack keeps this many days of history (FileStorage: undo).
PACK_DAYS ?= 1
# The load balancers' addresses (space-separated): Zope then takes the
# client's address, which the rate limit counts, from their
# X-Forwarded-For header.
TRUSTED_PROXIES ?=
# The largest request body the server reads, in bytes: by default what a
# submission with a procedure's default files (5 × 10 MB, in base64) needs.
MAX_BODY ?= $(shell $(BIN)/python -c 'from imio.guichet.forms.uploads import default_max_body_size as m; print(m())')
SENTINEL := $(VENV)/.installed
# The demonstration identity provider (OpenID Connect) that `make start`
# runs on loopback beside the demo site, and that the demo site's login
# page offers ("itsme / eID (démonstration)"); docs/identity.md.
OIDC_DEMO_PORT ?= $(shell echo $$(($(PORT) + 1000)))
OIDC_DEMO_URL := http://127.0.0.1:$(OIDC_DEMO_PORT)
# The demonstration population register (a small JSON service) that
# `make start` runs on loopback too, and that the demo site's forms are
# prefilled from for the demo identities (docs/prefill.md).
REGISTER_DEMO_PORT ?= $(shell echo $$(($(PORT) + 1001)))
REGISTER_DEMO_URL := http://127.0.0.1:$(REGISTER_DEMO_PORT)

ifeq ($(filter $(STORAGE),filestorage postgresql),)
$(error STORAGE must be filestorage or postgresql, not "$(STORAGE)")
endif
# The database's settings reach scripts/operations.py through the
# environment, not its command line (where a DSN's password would show).
OPERATIONS := $(BIN)/python scripts/operations.py --instance "$(INSTANCE)"
CONFIGURE = $(OPERATIONS) configure --storage $(STORAGE) --given "$(DATABASE_GIVEN)" \
  --keep-history $(KEEP_HISTORY) --blob-cache-size $(BLOB_CACHE_SIZE) \
  --relstorage-cache-mb $(RELSTORAGE_CACHE_MB)
# Which of the database's settings this command gives (an instance made
# before keeps its database when none is given).
DATABASE_GIVEN := $(strip $(foreach v,STORAGE DSN PGDATABASE PGUSER PGHOST PGPORT,\
  $(if $(filter command environment override,$(origin $(v))),$(v))))
instance database demo serve restore: export GUICHET_DSN = $(DSN)
database demo serve restore: export GUICHET_ADMIN_DSN = $(PGADMIN_DSN)

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
# change); its data (var) is never touched. Its database stays the one it
# was made with: without STORAGE, DSN or PG*, that one; another is refused
# (scripts/operations.py).
.PHONY: instance
instance: $(SENTINEL)
	@$(CONFIGURE)
	@for f in zope.conf zope.ini site.zcml; do \
	  sed -e 's|@INSTANCE@|$(INSTANCE)|g' -e 's|@PORT@|$(PORT)|g' -e 's|@HOST@|$(HOST)|g' \
	    -e 's|@MAX_BODY@|$(MAX_BODY)|g' -e 's|@MAX_BODY_SERVER@|$(shell echo $$(($(MAX_BODY) + 1)))|g' \
	    -e 's|@ZODB_CACHE_SIZE@|$(ZODB_CACHE_SIZE)|g' -e 's|@ZODB_CACHE_SIZE_BYTES@|$(ZODB_CACHE_SIZE_BYTES)|g' \
	    -e 's|@AUDIT_JOURNAL@|$(abspath $(AUDIT_JOURNAL))|g' -e 's|@AUDIT_RETENTION_DAYS@|$(AUDIT_RETENTION_DAYS)|g' \
	    etc/$$f.in > "$(INSTANCE)/etc/$$f"; \
	done
	@for proxy in $(TRUSTED_PROXIES); do echo "trusted-proxy $$proxy" >> "$(INSTANCE)/etc/zope.conf"; done

.PHONY: database
database: instance ## STORAGE=postgresql: make the role and the database when missing and allowed
	@$(OPERATIONS) database

# Where the demo is served: the site's public URL, that links in e-mails use.
DEMO_HOST := $(if $(filter 0.0.0.0,$(HOST)),localhost,$(HOST))

.PHONY: demo
demo: database ## Create the demo site (once) in the instance; keeps existing data
	GUICHET_DEMO_URL=http://$(DEMO_HOST):$(PORT) GUICHET_DEMO_OIDC=$(OIDC_DEMO_URL) \
	  GUICHET_DEMO_REGISTER=$(REGISTER_DEMO_URL) \
	  $(BIN)/zconsole run "$(INSTANCE)/etc/zope.conf" scripts/create_demo_site.py

.PHONY: start
start: demo ## Install if needed, create the demo site, serve it on http://localhost:$(PORT)
	@echo ""
	@echo "  imio.guichet demo: http://localhost:$(PORT)/Plone (in French: /Plone/fr, in German: /Plone/de)"
	@echo "  Accounts (demo only): admin/admin (Manager), backoffice/backoffice (back office),"
	@echo "                        citoyen/citoyen (citizen)"
	@echo "  API: curl -u backoffice:backoffice -H 'Accept: application/json' http://localhost:$(PORT)/Plone/@submissions"
	@echo "  Identity provider (demonstration only): $(OIDC_DEMO_URL), people demo-luc-dupont"
	@echo "                        and demo-sophie-lambert (log in with \"itsme / eID (démonstration)\")"
	@echo "  Population register (demonstration only): $(REGISTER_DEMO_URL)/persons/<national number>"
	@echo ""
	@mkdir -p "$(INSTANCE)/var/log"
	@$(BIN)/python -m imio.guichet.demo.provider --port $(OIDC_DEMO_PORT) \
	    >> "$(INSTANCE)/var/log/demo-identity-provider.log" 2>&1 & provider=$$!; \
	  $(BIN)/python -m imio.guichet.demo.register --port $(REGISTER_DEMO_PORT) \
	    >> "$(INSTANCE)/var/log/demo-population-register.log" 2>&1 & register=$$!; \
	  trap 'kill $$provider $$register 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/runwsgi "$(INSTANCE)/etc/zope.ini"

.PHONY: serve
serve: database ## Serve the instance as it is, without the demo site (a real site)
	$(BIN)/runwsgi "$(INSTANCE)/etc/zope.ini"

.PHONY: backup
backup: $(SENTINEL) ## Back the instance's database up (blobs included) into BACKUP_DIR
	@$(OPERATIONS) backup --backup-dir "$(BACKUP_DIR)"

# Into a new folder, the instance is made first; an existing one keeps its
# configuration (its PORT, HOST… need not be given again), and its
# database: another STORAGE, DSN or PG* is refused.
.PHONY: restore
restore: $(if $(wildcard $(INSTANCE)/etc/zope.conf),$(SENTINEL),instance) ## Restore the latest backup of BACKUP_DIR (or BACKUP=<name>); instance stopped
	@$(CONFIGURE)
	@$(OPERATIONS) restore --backup-dir "$(BACKUP_DIR)" --name "$(BACKUP)"

.PHONY: pack
pack: $(SENTINEL) ## Pack the instance's database, keeping PACK_DAYS days (zodbpack)
	@$(OPERATIONS) pack --days $(PACK_DAYS)

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
clean-instance: ## Remove the instance folder and ALL its data (not a PostgreSQL database)
	rm -rf "$(INSTANCE)"
