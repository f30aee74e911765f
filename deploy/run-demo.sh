#!/usr/bin/env bash
# `make run`: the whole product with demo data on 127.0.0.1:8000 (web, Celery worker and beat).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/services.sh
export EMAIL_URL=${EMAIL_URL:-eml://$PWD/var/mail}

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_demo
"$PY" manage.py collectstatic --noinput -v0

trap 'kill 0' EXIT INT TERM
"$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=2 > var/worker.log 2>&1 &
"$VENV/bin/celery" -A config beat --loglevel=INFO --schedule var/celerybeat-schedule \
  > var/beat.log 2>&1 &
"$PY" manage.py runserver 127.0.0.1:8000 --noreload > var/web.log 2>&1 &

cat <<MSG

Préau is running (logs in var/web.log, var/worker.log, var/beat.log; Ctrl-C stops all):
  Console (operators)      http://127.0.0.1:8000/console/     operateur@preau.example
  Clairoix portal          http://127.0.0.1:8000/Clairoix/
  Clairoix back office     http://127.0.0.1:8000/Clairoix/admin/   mairie@clairoix.example
  Les Ageux portal         http://127.0.0.1:8000/Les-Ageux/
  Password for every demo account: preau-demo-2026
  Database: ${DATABASE_URL}
  Broker:   ${CELERY_BROKER_URL:-$REDIS_URL}
  E-mails are not sent: each lands as an .eml file in var/mail/
MSG
wait
