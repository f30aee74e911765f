"""deploy/nginx/ rendered for loopback: the shipped files with only the machine-specific
values replaced (node addresses, ports, certificate, folders), inside a minimal nginx.conf
like Debian's. Used by `nginx -t` and by the multi-node test."""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "preau.conf"
UPSTREAM = ROOT / "deploy" / "nginx" / "preau-upstream.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def replace(text, old, new, *, count=None):
    found = text.count(old) if count is None else count
    assert found and text.count(old) == found, f"{old!r} not found {count} times in the site"
    return text.replace(old, new)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def render(folder: Path, *, nodes, http_port, https_port, static_root: Path) -> Path:
    """Write nginx.conf, the upstream and the site under `folder`; return nginx.conf."""
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs", "media"):
        (folder / sub).mkdir(exist_ok=True)
    cert, key = self_signed_certificate(folder)

    upstream = UPSTREAM.read_text()
    upstream = re.sub(r"\n\s*server 127\.0\.0\.1:8000 [^\n]*", "", upstream)
    servers = "".join(f"\n    server {node} max_fails=1 fail_timeout=5s;" for node in nodes)
    upstream = replace(upstream, "upstream preau_web {", "upstream preau_web {" + servers)

    site = SITE.read_text()
    site = replace(site, "    listen [::]:80;\n", "")  # loopback only: no IPv6 here
    site = replace(site, "    listen [::]:443 ssl http2;\n", "")
    site = replace(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = replace(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = replace(site, "server_name preau.example.fr;", "server_name 127.0.0.1 localhost;")
    site = replace(site, "/etc/letsencrypt/live/preau.example.fr/fullchain.pem", str(cert))
    site = replace(site, "/etc/letsencrypt/live/preau.example.fr/privkey.pem", str(key))
    site = replace(site, "/var/log/nginx/", f"{folder}/logs/")
    site = replace(site, "/srv/preau/var/static/", f"{static_root}/")
    site = replace(site, "/var/lib/preau/media/", f"{folder}/media/")
    site = replace(site, "/var/www/letsencrypt", f"{folder}/acme")

    (folder / "preau-upstream.conf").write_text(upstream)
    (folder / "preau.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log {folder}/logs/access.log;
    include {folder}/preau-upstream.conf;
    include {folder}/preau.conf;
}}
"""
    )
    return main


def command(main: Path, *args) -> list[str]:
    return [NGINX, "-e", str(main.parent / "logs" / "error.log"), "-p", str(main.parent),
            "-c", str(main), *args]  # fmt: skip
