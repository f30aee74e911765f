import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_django(**env):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_default_secret():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_starts_with_a_secret_of_its_own():
    result = start_django(DEBUG="false", SECRET_KEY="a-real-secret-from-the-environment-42")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_hashes_passwords_with_argon2_at_djangos_cost():
    """The suite runs a cheap Argon2 (config/test_hashers.py); production keeps the real one."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from django.contrib.auth.hashers import get_hasher; h = get_hasher();"
            "print(type(h).__module__, type(h).__name__, h.time_cost, h.memory_cost)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    module, name, time_cost, memory_cost = result.stdout.split()
    assert (module, name) == ("django.contrib.auth.hashers", "Argon2PasswordHasher")
    assert int(time_cost) >= 2 and int(memory_cost) >= 19456
