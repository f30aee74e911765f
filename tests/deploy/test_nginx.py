"""deploy/nginx/: the shipped site passes `nginx -t` (Debian's nginx, installed by the test
command when missing)."""

import subprocess
from pathlib import Path

import pytest

from tests.deploy import nginx_site


@pytest.fixture
def rendered(tmp_path):
    return nginx_site.render(
        tmp_path / "nginx",
        nodes=["127.0.0.1:18001", "127.0.0.1:18002"],
        http_port=18080,
        https_port=18443,
        static_root=tmp_path / "static",
    )


def test_the_site_passes_nginx_t(rendered):
    assert Path(nginx_site.NGINX).exists(), "Debian's nginx: deploy/test.sh installs it"
    result = subprocess.run(
        nginx_site.command(rendered, "-t"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_a_broken_site_fails_nginx_t(rendered):
    site = rendered.parent / "preau.conf"
    site.write_text(site.read_text().replace("proxy_pass http://preau_web;", "proxy_pass"))
    result = subprocess.run(
        nginx_site.command(rendered, "-t"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0


def test_the_proxy_headers_match_the_settings():
    """X-Forwarded-Proto feeds SECURE_PROXY_SSL_HEADER; X-Forwarded-For is set, never
    appended, so TRUSTED_PROXIES only ever reads the address nginx saw."""
    site = nginx_site.SITE.read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    retries = [
        line for line in site.splitlines() if line.strip().startswith("proxy_next_upstream ")
    ]
    assert retries and all("non_idempotent" not in line for line in retries)
    assert "client_max_body_size" in site and "proxy_read_timeout" in site
    assert "ssl_certificate " in site and "location /static/" in site
