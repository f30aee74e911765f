"""Commune URL slugs: what a slug may look like, which ones the platform keeps for itself."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# First path segments the platform routes itself; a commune may not shadow them.
RESERVED_SLUGS = frozenset(
    {
        "console",
        "static",
        "media",
        "api",
        "admin",
        "healthz",
        "simulateur-payfip",
        "favicon.ico",
        "robots.txt",
        "public",
        "information_schema",
        "login",
        "logout",
        "accounts",
        "www",
    }
)

SLUG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$")
MAX_SLUG_LENGTH = 50


def validate_commune_slug(value: str) -> None:
    if not SLUG_RE.match(value) or len(value) > MAX_SLUG_LENGTH:
        raise ValidationError(
            _(
                "L'adresse ne peut contenir que des lettres sans accent, des chiffres et des "
                "tirets, commencer par une lettre et faire au plus %(max)d caractères "
                "(exemple : Les-Ageux)."
            ),
            params={"max": MAX_SLUG_LENGTH},
            code="invalid_slug",
        )
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            _("L'adresse « %(slug)s » est réservée par la plateforme."),
            params={"slug": value},
            code="reserved_slug",
        )


def is_platform_segment(segment: str) -> bool:
    return segment.lower() in RESERVED_SLUGS


def schema_name_for_slug(slug: str) -> str:
    # PostgreSQL folds identifiers; one prefix keeps commune schemas apart from system ones.
    return "c_" + slug.lower().replace("-", "_")
