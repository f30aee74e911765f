"""deploy/: the files an operator installs, checked against the code they start.

The gunicorn command line of the unit is the one the multi-node test runs; the compose
file and the Containerfile are validated by parsing (and `docker compose config` where
the tool is present); the environment template is loaded into Django's settings."""

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def template_env():
    values = {}
    for line in (DEPLOY / "preau.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_systemd_units_start_the_same_commands_as_the_tests():
    units = sorted(p.name for p in (DEPLOY / "systemd").glob("*.service"))
    assert units == ["preau-beat.service", "preau-web.service", "preau-worker.service"]
    for name in units:
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/preau/preau.env"
        assert service["WorkingDirectory"] == "/srv/preau"
        assert service["Restart"] == "always"
    web = shlex.split(unit("preau-web.service")["Service"]["ExecStart"])
    assert web == ["/srv/preau/.venv/bin/gunicorn", "-c", "deploy/gunicorn.conf.py",
                   "config.wsgi:application"]  # fmt: skip
    assert (ROOT / web[2]).exists()
    worker = shlex.split(unit("preau-worker.service")["Service"]["ExecStart"])
    assert worker[:4] == ["/srv/preau/.venv/bin/celery", "-A", "config", "worker"]
    assert "--concurrency=${CELERY_CONCURRENCY}" in worker
    assert "CELERY_CONCURRENCY" in template_env()
    beat = shlex.split(unit("preau-beat.service")["Service"]["ExecStart"])
    assert beat[:4] == ["/srv/preau/.venv/bin/celery", "-A", "config", "beat"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze absent")
def test_systemd_analyze_accepts_the_units():
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, (DEPLOY / "systemd").glob("*.service"))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # The paths under /srv/preau do not exist on a test machine; nothing else may fail.
    problems = [line for line in result.stderr.splitlines() if line and "/srv/preau" not in line]
    assert problems == []


def settings_under(env):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'DEBUG': s.DEBUG, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
        " 'PROXY': s.SECURE_PROXY_SSL_HEADER, 'SECURE': s.SESSION_COOKIE_SECURE,"
        " 'EMAIL': s.EMAIL_BACKEND, 'SIMULATOR': s.PAYFIP_SIMULATOR_ENABLED,"
        " 'BASE': s.PREAU_BASE_URL, 'FALLBACKS': s.SECRET_KEY_FALLBACKS}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings",
                       **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_the_environment_template_gives_production_settings():
    env = {**template_env(), "SECRET_KEY": "x" * 64}
    result = settings_under(env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["preau.example.fr"]
    assert loaded["PROXY"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["SECURE"] is True and loaded["SIMULATOR"] is False
    assert loaded["EMAIL"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["BASE"] == "https://preau.example.fr"
    assert loaded["FALLBACKS"] == []


def test_every_variable_of_the_template_is_read():
    readers = "".join(
        path.read_text()
        for path in [ROOT / "config" / "settings.py", DEPLOY / "gunicorn.conf.py",
                     *(DEPLOY / "systemd").glob("*.service")]
    )  # fmt: skip
    unread = {name for name in template_env() if name not in readers}
    assert not unread, unread


def test_a_rotated_secret_is_accepted_as_fallback():
    result = settings_under(
        {**template_env(), "SECRET_KEY": "n" * 64, "SECRET_KEY_FALLBACKS": "o" * 64}
    )
    assert json.loads(result.stdout)["FALLBACKS"] == ["o" * 64]


def test_gunicorn_reads_its_configuration():
    env = {**os.environ, **template_env(), "SECRET_KEY": "x" * 64,
           "GUNICORN_WORKERS": "3", "GUNICORN_BIND": "127.0.0.1:8123"}  # fmt: skip
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--print-config",
         "config.wsgi:application"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = dict(
        re.match(r"(\w+)\s+= (.*)", line).groups()
        for line in result.stdout.splitlines()
        if re.match(r"\w+\s+= ", line)
    )
    assert printed["workers"] == "3"
    assert printed["bind"] == "['127.0.0.1:8123']"
    assert printed["worker_class"] == "gthread"
    assert printed["timeout"] == "60"


def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_part_and_its_files():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis", "nginx"}
    for name in ("web", "worker", "beat"):
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).exists()
        assert services[name]["environment"]["DATABASE_URL"].endswith("@db:5432/preau")
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1
    for volume in services["nginx"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists(), source
    assert (DEPLOY / "preau.env.example").exists()


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0
    if shutil.which("docker") else True,
    reason="no docker compose on this machine: compose.yaml is checked by parsing",
)  # fmt: skip
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_the_containerfile_copies_every_package():
    lines = (DEPLOY / "Containerfile").read_text().splitlines()
    copied = set()
    for line in lines:
        if line.startswith("COPY "):
            *sources, _target = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), source
                copied.add(source)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages <= copied
    assert {"pyproject.toml", "manage.py", "deploy"} <= copied
    assert any(line.startswith("FROM python:3.11") for line in lines)
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]' in lines


def test_pgbouncer_pools_sessions_only():
    """django-tenants' search_path is a session setting: transaction pooling would hand
    one commune's search_path to another's queries."""
    parser = configparser.ConfigParser()
    parser.read(DEPLOY / "pgbouncer" / "pgbouncer.ini")
    assert parser["pgbouncer"]["pool_mode"] == "session"
    assert parser["pgbouncer"]["server_reset_query"] == "DISCARD ALL"
    assert parser["pgbouncer"]["server_reset_query_always"] == "1"
