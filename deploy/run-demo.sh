#!/usr/bin/env bash
# `make run`: the whole product with demo data on 127.0.0.1:8000 (web, Celery worker and beat),
# the web served by gunicorn (deploy/gunicorn.conf.py) as in production.
# `make dev` (PREAU_WEB=runserver): Django's development server, reloaded on every code change.
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
if [ "${PREAU_WEB:-gunicorn}" = "runserver" ]; then
  WEB_KIND="Django's development server, reloaded on code changes"
  "$PY" manage.py runserver 127.0.0.1:8000 > var/web.log 2>&1 &
else
  WEB_KIND="gunicorn, ${GUNICORN_WORKERS:-2} workers"
  GUNICORN_WORKERS=${GUNICORN_WORKERS:-2} GUNICORN_ACCESS_LOG=var/access.log \
    "$VENV/bin/gunicorn" -c deploy/gunicorn.conf.py config.wsgi:application > var/web.log 2>&1 &
fi

cat <<MSG

Préau is running on ${WEB_KIND}
(logs in var/web.log, var/worker.log, var/beat.log; Ctrl-C stops all):
  Console (operators)      http://127.0.0.1:8000/console/     operateur@preau.example
  Clairoix portal          http://127.0.0.1:8000/Clairoix/
  Clairoix workspace       http://127.0.0.1:8000/Clairoix/gestion/ mairie@clairoix.example
                           (also regisseur@, agent@, lecture@clairoix.example, one per role)
  Clairoix settings        http://127.0.0.1:8000/Clairoix/admin/   mairie@clairoix.example
  Les Ageux portal         http://127.0.0.1:8000/Les-Ageux/
  Password for every demo account: preau-demo-2026
  Database: ${DATABASE_URL}
  Broker:   ${CELERY_BROKER_URL:-$REDIS_URL}
  E-mails are not sent: each lands as an .eml file in var/mail/
MSG
wait
