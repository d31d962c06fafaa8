# The two commands: `make run` (demo shop on http://127.0.0.1:8000, no services needed) and
# `make test` (the whole suite on the local PostgreSQL and Redis).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_SETTINGS := DJANGO_SETTINGS_MODULE=ticketing.settings.test

.PHONY: run test venv lint format check services chromium gettext messages stack stack-prepare worker beat bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

services:
	@bash scripts/ensure_services.sh

chromium:
	@bash scripts/ensure_tool.sh chromium chromium "the browser tests"

gettext:
	@bash scripts/ensure_tool.sh msgmerge gettext "the language tests and make messages"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: venv services
	$(TEST_SETTINGS) $(PY) manage.py check
	$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_SETTINGS) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

test: venv services chromium gettext lint check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The translation catalogues (locale/de/LC_MESSAGES): new and changed messages from the code,
# templates and scripts, then the compiled .mo files, which are committed (so `make run` needs
# no gettext). tests/i18n fails when they are out of date or a message has no translation.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles \
	--ignore=test-artifacts --ignore=node_modules
messages: venv gettext
	$(PY) manage.py makemessages -l de -d django --add-location=file --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -l de -d djangojs --add-location=file --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l de --ignore=.venv --ignore=tests --ignore=bench

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache test-artifacts

# The flash-sale benchmark (PostgreSQL + Redis; never part of `make test`). Its own tools live in
# bench/requirements.txt. Pass options with BENCH_ARGS, e.g. `make bench BENCH_ARGS=--quick`.
bench: venv services
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY) bench/run.py $(BENCH_ARGS)

# The real stack (gunicorn + Celery worker + beat) on the local PostgreSQL and Redis. Anything
# set in the environment (or .env) wins over these defaults.
STACK_ENV := DJANGO_SETTINGS_MODULE="$${DJANGO_SETTINGS_MODULE:-ticketing.settings.local}" \
	DEBUG="$${DEBUG:-false}" \
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ticketing}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/2}" \
	CELERY_TASK_ALWAYS_EAGER=false \
	METRICS_ALLOWED_IPS="$${METRICS_ALLOWED_IPS:-127.0.0.1}" \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH"

stack-prepare: venv services
	$(STACK_ENV) $(PY) manage.py migrate --noinput
	$(STACK_ENV) $(PY) manage.py collectstatic --noinput -v 0

stack: stack-prepare
	$(STACK_ENV) $(VENV)/bin/honcho -f Procfile start

worker: venv
	$(STACK_ENV) $(VENV)/bin/celery -A ticketing worker --loglevel info

beat: venv
	$(STACK_ENV) $(VENV)/bin/celery -A ticketing beat --loglevel info \
		--schedule /tmp/ticketing-celerybeat-schedule
