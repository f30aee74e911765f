"""Apps talk through each other's public names. The layers and the models/views rules are
import-linter contracts (.importlinter, run by `make test`); private names, which
import-linter cannot see, are checked here on the source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "tenants", "portal", "booking", "ledger", "tipi", "notifications"]
# Django's own underscored API, which every app may use.
ALLOWED = {"_meta"}


def app_of(module: str) -> str:
    return "portal.accounts" if module.startswith("portal.accounts") else module.split(".")[0]


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in ALLOWED


def cross_app_private_names(source: str, module: str) -> list[str]:
    """`module`'s uses of another app's private names: imported, or read on an imported
    module (`from booking import services; services._recheck`)."""
    tree = ast.parse(source)
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in APPS or app_of(node.module) == app_of(module):
                continue
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{module}: from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in APPS and app_of(alias.name) != app_of(module):
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    found += [
                        f"{module}: import {alias.name}"
                        for part in alias.name.split(".")
                        if private(part)
                    ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and private(node.attr)
        ):
            found.append(f"{module}: {aliases[node.value.id]}.{node.attr}")
    return found


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield module.removesuffix(".__init__"), path


def test_no_app_uses_another_apps_private_names():
    found = [
        use
        for module, path in app_modules()
        for use in cross_app_private_names(path.read_text(encoding="utf-8"), module)
    ]
    assert found == []


def test_the_check_sees_a_private_name_imported_or_read_across_apps():
    source = (
        "from booking.views import _service_or_404\n"
        "from ledger import services\n"
        "from portal.models import Household\n"
        "services._lock_counter()\n"
        "Household._meta\n"
    )
    assert cross_app_private_names(source, "tipi.views") == [
        "tipi.views: from booking.views import _service_or_404",
        "tipi.views: ledger.services._lock_counter",
    ]
    # Inside one app, a module may share a helper with its neighbours.
    assert cross_app_private_names(source, "booking.staff_views") == [
        "booking.staff_views: ledger.services._lock_counter"
    ]
