"""The real product on loopback (web server, Celery worker, real PostgreSQL and Redis),
driven by Debian's Chromium through Playwright.

The demo is loaded once into a template database; each scenario starts from a fresh copy of
it (CREATE DATABASE ... TEMPLATE), so every scenario sees the clean demo state.
"""

import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
# Named after the configured database and broker, so two checkouts on one machine (each
# with its own DATABASE_URL / CELERY_BROKER_URL) never share the suite's database or queue.
BASE_DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau").rsplit("/", 1)[
    1
]
E2E_DB = f"{BASE_DB}_e2e"
TEMPLATE_DB = f"{BASE_DB}_e2e_template"
BROKER = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
# The commune's workspace (/<commune>/gestion/) is desktop-first and usable on a tablet.
STAFF_SIZES = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}
# The demo's staff accounts (portal/demo.py, load_demo), one per role, per commune.
STAFF_LOGINS = {
    "Clairoix": {
        "Administrateur": "mairie@clairoix.example",
        "Régisseur": "regisseur@clairoix.example",
        "Agent": "agent@clairoix.example",
        "Lecture": "lecture@clairoix.example",
    },
    "Les-Ageux": {"Administrateur": "mairie@les-ageux.example"},
}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "preau-demo-2026"
# What a parent must reach without scrolling sideways (run in the page at phone size).
OFF_SCREEN_JS = "\n".join(
    line
    for line in (ROOT / "tests" / "e2e" / "off_screen.js").read_text().splitlines()
    if not line.startswith("//")
)


def server_url():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
    return base.rsplit("/", 1)[0]


def admin_sql(*statements):
    with psycopg.connect(server_url() + "/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class Product:
    url: str
    mail_dir: Path
    env: dict

    def reset(self):
        """Back to the clean demo state: a fresh copy of the template database, no mail."""
        admin_sql(
            f"DROP DATABASE IF EXISTS {E2E_DB} WITH (FORCE)",
            f"CREATE DATABASE {E2E_DB} TEMPLATE {TEMPLATE_DB}",
        )
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        self.mail_dir.mkdir(parents=True)

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        # What went wrong is in its output: shown, not only "exit status 1".
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result

    def emails(self, to=None):
        messages = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to is None or to.lower() in message["To"].lower():
                messages.append(message)
        return messages

    def wait_for_email(self, to, subject_contains, timeout=30):
        """The worker sends asynchronously: poll the mail folder, as a parent checks a box."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.emails(to):
                if subject_contains in message["Subject"]:
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no e-mail to {to} about {subject_contains!r} within {timeout} s")


def body_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, pattern):
    match = re.search(pattern, body_of(message))
    assert match, body_of(message)
    return match.group(0)


# Session scope: the product (migrate, load_demo, web server and worker) is started once for
# all browser modules; every scenario still starts from a fresh copy of the demo (`demo`).
# The browser keeps module scope: Playwright's sync API runs an asyncio loop while the
# browser is open, and Django refuses database work under a running loop; closing it after
# each browser module keeps the rest of the suite unaffected.
@pytest.fixture(scope="session")
def product(tmp_path_factory):
    port = free_port()
    mail_dir = tmp_path_factory.mktemp("mail")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{server_url()}/{TEMPLATE_DB}",
        "CELERY_BROKER_URL": BROKER,
        # The product lives through the whole session: its worker must not take the tasks
        # the other tests (and the workers they start) publish on the same Redis database,
        # nor another checkout's (named after the database, as above).
        "CELERY_BROKER_KEY_PREFIX": f"preau-e2e-{BASE_DB}:",
        "REDIS_KEY_PREFIX": f"preau-e2e-{BASE_DB}:",
        "EMAIL_URL": f"eml://{mail_dir}",
        "PREAU_BASE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    admin_sql(
        f"DROP DATABASE IF EXISTS {E2E_DB} WITH (FORCE)",
        f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
        f"CREATE DATABASE {TEMPLATE_DB}",
    )
    product = Product(url=f"http://127.0.0.1:{port}", mail_dir=mail_dir, env=env)
    product.manage("migrate", "--noinput")
    product.manage("load_demo")
    env["DATABASE_URL"] = f"{server_url()}/{E2E_DB}"
    product.reset()
    subprocess.run(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "purge", "-f"],
        cwd=ROOT, env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    logs = VAR / "e2e"
    logs.mkdir(parents=True, exist_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=open(logs / "web.log", "w"), stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker",
             "--pool=solo", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=open(logs / "worker.log", "w"), stderr=subprocess.STDOUT,
        ),
    ]  # fmt: skip
    try:
        wait_for(product.url + "/healthz")
        yield product
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        admin_sql(
            f"DROP DATABASE IF EXISTS {E2E_DB} WITH (FORCE)",
            f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
        )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def demo(product):
    product.reset()
    return product


class Walk:
    """One scenario at one size: a browser context, its screenshots and accessibility checks."""

    sizes = SIZES

    def __init__(self, browser, product, scenario, size):
        self.product = product
        self.size = size
        self.context = browser.new_context(
            viewport=self.sizes[size], locale="fr-FR", timezone_id="Europe/Paris"
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.folder = VAR / "screenshots" / scenario / size
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.shots = 0
        self.moderate = {}

    def go(self, path):
        self.page.goto(self.product.url + path)

    def shot(self, name, page=None):
        """Full-page screenshot, then the axe-core check of what the parent sees."""
        page = page or self.page
        self.shots += 1
        page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)
        self.check_accessibility(name, page)
        if self.size in ("phone", "tablet"):
            self.check_nothing_off_screen(name, page)

    def check_nothing_off_screen(self, name, page):
        """At 360 px: no horizontal scroll, no amount, button or link beyond the screen."""
        problems = page.evaluate(OFF_SCREEN_JS)
        assert problems == [], f"{name} at {page.viewport_size}: {problems}"

    def check_accessibility(self, name, page):
        # Evaluated, not a <script> tag: the Content-Security-Policy refuses inline scripts.
        page.evaluate(AXE.read_text())
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert blocking == [], f"{name}: {blocking}"
        for violation in result["violations"]:
            if violation["impact"] == "moderate":
                self.moderate[violation["id"]] = violation["help"]

    def close(self):
        if self.moderate:
            report = VAR / "e2e" / "axe-moderate.json"
            known = json.loads(report.read_text()) if report.exists() else {}
            known.update(self.moderate)
            report.write_text(json.dumps(known, indent=2, ensure_ascii=False))
        self.context.close()

    def login(self, slug, identifier, password=PASSWORD):
        self.go(f"/{slug}/")
        self.page.get_by_label("Identifiant").fill(identifier)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Connexion").click()


@pytest.fixture
def walk(request, browser, demo, size):
    scenario = request.node.originalname.removeprefix("test_")
    walker = Walk(browser, demo, scenario, size)
    yield walker
    walker.close()


class StaffWalk(Walk):
    """An agent's scenario in the commune's workspace, at desktop or tablet size.

    `login_staff(role)` logs the demo account of that role in through the back-office login
    and opens `path` (the workspace's home by default); `shot()` checks axe-core (serious and
    critical violations fail) and, on the tablet, that nothing lies off the screen."""

    sizes = STAFF_SIZES

    def login_staff(self, role, slug="Clairoix", path="gestion/", password=PASSWORD):
        identifier = STAFF_LOGINS[slug][role]
        target = f"/{slug}/{path}"
        self.go(f"/{slug}/admin/login/?next={urllib.parse.quote(target)}")
        self.page.get_by_label("Adresse e-mail").fill(identifier)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Connexion").click()
        self.page.wait_for_url(re.compile(re.escape(self.product.url + target.split("?")[0])))
        return self.page

    def menu(self):
        """The workspace menu, opened first on a tablet (where it is a collapsed bar)."""
        nav = self.page.get_by_role("navigation", name="Menu de gestion")
        toggle = nav.get_by_role("button", name="Menu")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        return nav

    def open_menu_entry(self, label):
        """Follow a menu entry, as an agent does (opening the bar on a tablet)."""
        self.menu().get_by_role("link", name=label, exact=True).click()
        return self.page


@pytest.fixture(params=list(STAFF_SIZES))
def staff_size(request):
    return request.param


@pytest.fixture
def staff_walk(request, browser, demo, staff_size):
    """A StaffWalk on a fresh copy of the demo, once at 1280×800 and once at 768×1024."""
    scenario = request.node.originalname.removeprefix("test_")
    walker = StaffWalk(browser, demo, scenario, staff_size)
    yield walker
    walker.close()


@pytest.fixture
def staff_login(staff_walk):
    """`staff_login(role, slug="Clairoix", path="gestion/") -> Page`: that role's demo agent
    logged in, on /<slug>/<path>. The walk (screenshots, axe) is `staff_walk`."""
    return staff_walk.login_staff
