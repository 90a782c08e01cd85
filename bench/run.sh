#!/usr/bin/env bash
# `make bench`: install the bench-only tools (wrk from Debian, Datasette into bench/.venv),
# make sure PostgreSQL is up, then run bench/run.py, which stops every server it starts.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if [ ! -x bench/.venv/bin/datasette ] || [ bench/requirements.txt -nt bench/.venv/bin/datasette ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
  touch bench/.venv/bin/datasette
fi
# The timed commands start faster from bytecode, as a deployment's would (this machine sets
# PYTHONDONTWRITEBYTECODE, so Python would otherwise compile the project on every start).
.venv/bin/python -m compileall -q qwenkb claims sources manage.py
exec .venv/bin/python bench/run.py
