# CTN — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Demo password, accepted only with DEBUG on (see load_demo).
DEMO_PASSWORD ?= ctn-demo-2019

.PHONY: run test lint fmt bench venv messages clean

$(STAMP): requirements.txt requirements-dev.txt .ci/system-deps
	bash .ci/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py make_demo_certificate
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 DEMO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/python manage.py load_demo
	@echo ""
	@echo "  CTN : http://$(HOST):$(PORT)/"
	@echo "  Comptes de démonstration (mot de passe : $(DEMO_PASSWORD)) :"
	@echo "    secretariat  (secrétariat)"
	@echo "    coordinator  (coordinateur)"
	@echo "    partner      (partenaire, PAM)"
	@echo "    admin        (administrateur)"
	@echo ""
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/python -m pytest

# bandit: security lint of the project's code ([tool.bandit] in pyproject.toml; every exception
# is a `# nosec` with its reason). pip-audit: known vulnerabilities of the pinned runtime
# dependencies, asked of PyPI; --strict fails when a package could not be audited, so an
# unreachable service is an error, never a silent pass. PIP_AUDIT=0 skips it, loudly (offline).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive ctn sessions participants reports
	@if [ "$(PIP_AUDIT)" = "0" ]; then \
	  echo "*** pip-audit SKIPPED (PIP_AUDIT=0): the dependencies were NOT audited. ***"; \
	else \
	  $(BIN)/pip-audit --strict --progress-spinner off --requirement requirements.txt || { \
	    echo "pip-audit failed: a known vulnerability above, or a package it could not audit" \
	      "(vulnerability service unreachable?). See README, « Sécurité et mise en production »."; \
	    exit 1; }; \
	fi

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# French is translated by hand; English copies the msgids (locale/english.py), but for the few
# messages translated by hand in locale/en.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l fr -l en --no-obsolete --add-location file -i ".venv/*" -i "staticfiles/*" -i "tests/*" -i "bench/*"
	$(BIN)/python locale/english.py locale/en/LC_MESSAGES/django.po
	DEBUG=1 $(BIN)/python manage.py compilemessages -l fr -l en -i .venv

bench: $(STAMP)
	bash bench/run.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
