#!/usr/bin/env bash
# `make test`: lint, migration check and the whole test suite on the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/services.sh
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
DJANGO_SETTINGS_MODULE=config.settings_test "$PY" manage.py makemigrations --check --dry-run -v0
exec "$VENV/bin/pytest" "$@"
