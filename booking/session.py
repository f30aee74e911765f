"""What a parent's session keeps between the booking pages: the draft order being reviewed
(never its id in the URL) and the grid's unsaved state. Used by booking's views and tipi's
"Payer"; returns None where nothing is kept, the views decide the 404."""

from booking import selectors
from booking.models import Order


def _draft_key(service) -> str:
    return f"booking:draft:{service.code}"


def _wanted_key(service) -> str:
    return f"booking:wanted:{service.code}"


def remember_draft(session, service, order) -> None:
    session[_draft_key(service)] = order.pk


def has_draft(session, service) -> bool:
    return bool(session.get(_draft_key(service)))


def current_order(session, household, service) -> Order | None:
    """The order the parent is reviewing (kept in the session), through their household."""
    order_id = session.get(_draft_key(service))
    return selectors.order_of_household(household, order_id) if order_id else None


def kept_wanted(session, service) -> set[str] | None:
    """The grid's state kept while shortcuts post without JavaScript, or None."""
    keys = session.get(_wanted_key(service))
    return None if keys is None else set(keys)


def keep_wanted(session, service, keys) -> None:
    session[_wanted_key(service)] = sorted(keys)


def forget_wanted(session, service) -> None:
    session.pop(_wanted_key(service), None)
