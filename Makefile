# Quita — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QUITA := $(VENV)/bin/quita
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HTMX_VERSION := 2.0.4
HTMX := core/web/static/vendor/htmx.min.js
DEMO_DIR := var/demo
DEMO_CONFIG := $(DEMO_DIR)/quita.toml
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres browser demo clean messages

install: $(VENV)/.installed $(HTMX)

$(VENV)/.installed: pyproject.toml examples/quita-plugin-example/pyproject.toml examples/quita-bank-example/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	$(PY) -m pip install -q --no-deps -e examples/quita-plugin-example
	$(PY) -m pip install -q --no-deps -e examples/quita-bank-example
	touch $@

# htmx comes from the npm registry at install time (not committed).
$(HTMX):
	mkdir -p $(dir $@) build/npm
	cd build/npm && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null
	tar -xzf build/npm/htmx.org-$(HTMX_VERSION).tgz -C build/npm
	cp build/npm/package/dist/htmx.min.js $@

# Demo: SQLite database with realistic data, admin user "admin" / password "admin".
$(DEMO_DIR)/.loaded: | install
	mkdir -p $(DEMO_DIR)
	QUITA_CONFIG=$(DEMO_CONFIG) $(QUITA) init --database sqlite:///$(abspath $(DEMO_DIR))/quita.db
	QUITA_CONFIG=$(DEMO_CONFIG) $(QUITA) demo --customers 3000
	touch $@

demo: $(DEMO_DIR)/.loaded

run: install demo
	QUITA_CONFIG=$(DEMO_CONFIG) $(QUITA) db upgrade
	@echo "Acesse http://$(HOST):$(PORT)/  (usuário: admin, senha: admin)"
	QUITA_CONFIG=$(DEMO_CONFIG) $(QUITA) serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium (never a downloaded browser); PDF tests render pages with
# poppler's pdftoppm/pdftotext and decode barcodes/QR codes with zbarimg — all Debian packages.
TEST_TOOLS := chromium:chromium pdftoppm:poppler-utils pdftotext:poppler-utils zbarimg:zbar-tools
browser:
	@missing=""; for pair in $(TEST_TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Instalando (Debian):$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi

# The two suites run side by side (one per core); each one's output is printed whole when it ends.
test: install browser
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	QUITA_TEST_DATABASE_URL=sqlite $(PY) -m pytest -q -p no:cacheprovider

test-postgres:
	QUITA_TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) build var

# Translations: extract the pt-BR source strings into a catalogue template for other locales.
messages: install
	mkdir -p core/locale
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -o core/locale/quita.pot --project=Quita core hooks plugins
