# QwenKB: `make run` serves the app with the seed knowledge base, `make test` runs every test.
# Both build .venv from requirements.lock first. DATABASE_URL picks the database (default SQLite).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test serve worker bench venv lint format lock clean backup restore browser

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed --if-empty
	@echo ""
	@echo "QwenKB is starting on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "To curate, create an account in another terminal:"
	@echo "  $(BIN)/python manage.py createsuperuser"
	@echo "  (or an editor: $(BIN)/python manage.py create_editor NAME --group Editors)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The browser tests need a Chromium: tests/browser/setup_browser.py finds one, or installs
# Playwright's, or Debian's (as root or with passwordless sudo), or says how to get one.
browser: venv
	$(BIN)/python tests/browser/setup_browser.py

test: venv browser
	$(BIN)/python -m pytest

# A backup of the whole database (pg_dump on PostgreSQL, SQLite's online backup otherwise):
# `make backup` writes backups/qwenkb-<time>.*, `make backup FILE=x` writes x.
backup: venv
	$(BIN)/python manage.py backup $(FILE)

# Replace the database's contents with a backup: `make restore FILE=backups/qwenkb-....dump`.
restore: venv
	@test -n "$(FILE)" || (echo "Say which backup: make restore FILE=backups/qwenkb-....dump" && exit 2)
	$(BIN)/python manage.py restore "$(FILE)"

# Production serving: granian (qwenkb/server.py), DEBUG off, persistent connections, static files by whitenoise.
# SECRET_KEY comes from the environment, else from .secret_key (made once, never committed).
# SECURE_SSL_REDIRECT=0 because this serves plain http on 127.0.0.1; behind TLS set it to 1.
serve: venv
	@test -n "$$SECRET_KEY" || test -s .secret_key || \
		(umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" DEBUG=0 \
		ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
		SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" CONN_MAX_AGE="$${CONN_MAX_AGE:-600}" && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_seed --if-empty && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	echo "QwenKB (production settings) on http://127.0.0.1:$(PORT)/" && \
	PORT=$(PORT) exec $(BIN)/python -m qwenkb.server

# A background worker (webhook deliveries, admin jobs) taking tasks from CELERY_BROKER_URL.
# Without a broker there is nothing to start: tasks run in the app's process after commit.
worker: venv
	@test -n "$$CELERY_BROKER_URL" || \
		(echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1): without it tasks run in the app" && exit 2)
	exec $(BIN)/celery -A qwenkb worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2}

# Benchmarks on the local PostgreSQL (1,000,000 claims); writes bench/RESULTS.md.
bench: venv
	bash bench/run.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin after changing dependencies in pyproject.toml.
lock: venv
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
