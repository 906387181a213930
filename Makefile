# Two commands for a newcomer on a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
# Debian packages the project needs: WeasyPrint's Pango, fonts, Chromium for the
# browser tests, zbar and poppler to read QR codes and pages back in tests.
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
                chromium zbar-tools poppler-utils

.PHONY: run test unit venv system-deps translations catalog lint bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

translations: venv
	@for domain in messages admin wtforms; do \
	  for po in translations/*/LC_MESSAGES/$$domain.po; do \
	    [ -f "$$po" ] || continue; \
	    $(BIN)/pybabel compile -D $$domain -i $$po -o $${po%.po}.mo 2>/dev/null || \
	      { $(BIN)/pybabel compile -D $$domain -i $$po -o $${po%.po}.mo; exit 1; }; \
	  done; \
	done

run: venv system-deps translations
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)/admin/  (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
# The browser journeys run in a process of their own, on an app no other test touched.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -q
test: venv system-deps translations lint
	$(PYTEST) --ignore=tests/e2e
	$(PYTEST) tests/e2e
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  KTP_TEST_DB=postgresql $(PYTEST) --ignore=tests/e2e && \
	  KTP_TEST_DB=postgresql $(PYTEST) tests/e2e; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

# After adding UI strings: refresh the catalogs, then translate the new entries.
catalog: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _ -k gettext \
	  -k ngettext:1,2 -o /tmp/ktp-messages.pot --ignore-dirs=".venv tests bench migrations" .
	$(BIN)/pybabel update -i /tmp/ktp-messages.pot -d translations -l id -D messages \
	  --no-fuzzy-matching --ignore-obsolete
	@$(BIN)/python -c "from babel.messages.pofile import read_po; \
	c = read_po(open('translations/id/LC_MESSAGES/messages.po', 'rb')); \
	todo = [m.id for m in c if m.id and not m.string]; \
	print(len(todo), 'untranslated'); [print(' ', t) for t in todo]"

# Lint: ruff over everything, the type checker over the domain, forms and documents.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy models forms printing

# The fast edit-test loop: no browser, no apt step, SQLite only.
unit: venv translations
	$(BIN)/python -m pytest -p no:cacheprovider -q -m "not e2e" --ignore=tests/e2e

bench: venv translations
	$(BIN)/python bench/list_views.py

clean:
	rm -rf $(VENV) .pytest_cache
