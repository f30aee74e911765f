"""gunicorn settings for Préau (`make run`, the systemd unit, the container).

Every value can be overridden from the environment (GUNICORN_*), so one file serves a
laptop and a 16-core node. Django itself is configured by its own variables
(deploy/preau.env.example).
"""

import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name, default))


# Where nginx (or `make run`) reaches this node.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers with a few threads: requests wait on PostgreSQL, not on the CPU.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# A request taking longer than this is killed (nginx gives up at 60 s: deploy/nginx/).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (a leak never grows without bound); jitter avoids a herd.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Load the application before forking: workers share its memory and an import error stops
# the node at start instead of looping.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")
# Access log to stdout ("-"), or a file; journald or the container runtime collects stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address as nginx saw it, request time in microseconds.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
# Only the local proxy may set X-Forwarded-* for gunicorn itself; Django decides what it
# trusts from its own TRUSTED_PROXIES setting.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# /dev/shm for the worker heartbeat files: a slow disk never makes a worker look dead.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented heartbeat folder, shared memory
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    _SHM if os.path.isdir(_SHM) else None
)
proc_name = "preau-web"
