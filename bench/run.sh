#!/usr/bin/env bash
# make bench: the CTN benchmark on a large history, production settings, gunicorn.
# Everything is in bench/bench.py; this script sets the environment and the load generator.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ctn_bench}
export DJANGO_SETTINGS_MODULE=bench.settings
export DEBUG=0
export SECRET_KEY=${BENCH_SECRET_KEY:-bench-only-$(date +%s)-not-a-production-secret}
export ALLOWED_HOSTS=127.0.0.1,localhost
# Plain http on the loopback: no proxy in front, no HTTPS redirect (see ctn/settings.py).
export BEHIND_HTTPS_PROXY=0 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export LOG_LEVEL=WARNING
export CONN_MAX_AGE=60
export PYTHONHASHSEED=0

# wrk from Debian when it can be had; otherwise bench/loadgen.py's asyncio client is used.
if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[bench] installing wrk (apt-get)"
  (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }) \
    || echo "[bench] wrk not available: using the Python load generator"
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "[bench] PostgreSQL does not answer on 127.0.0.1:5432; start it first" >&2
  exit 2
fi

exec "$PYTHON" bench/bench.py "$@"
