#!/usr/bin/env bash
# `make test`: lint, import contracts, migration check and the whole test suite on the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/services.sh
# The browser suite drives Debian's Chromium (never a downloaded browser) and injects axe-core.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser suite" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
# The deployment tests run `nginx -t` on deploy/nginx/ and put nginx in front of two web nodes.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "Installing Debian's nginx for the deployment tests" >&2
  apt-get update -qq && apt-get install -y -qq nginx >/dev/null
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm ci --no-audit --no-fund --silent
fi
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
# Who may import whom: the contracts of .importlinter (ARCHITECTURE.md, "Apps and who may call whom").
"$VENV/bin/lint-imports"
DJANGO_SETTINGS_MODULE=config.settings_test "$PY" manage.py makemigrations --check --dry-run -v0
# Two pytest-xdist workers by default (much of the suite waits on PostgreSQL, Chromium and
# subprocesses); the groups of tests/conftest.py each stay on one worker.
# PYTEST_WORKERS=0: one process.
if [ "${PYTEST_WORKERS:-2}" = "0" ]; then
  parallel=(-p no:xdist)
else
  parallel=(-n "${PYTEST_WORKERS:-2}" --dist loadgroup)
fi
exec "$VENV/bin/pytest" "${parallel[@]}" "$@"
