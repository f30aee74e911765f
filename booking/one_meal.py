"""One meal per child per day: an exceptional meal replaces the regular one that day.

The rule is checked on the state an order would leave (the reservations kept, plus the
additions, minus the cancellations): in `draft_order`, and again under the household lock
when the order is validated, held or confirmed. The grid makes the two cells of a day
exclusive, and the kitchen list counts each child once.
"""

import datetime
from collections import Counter

from django.utils.translation import gettext as _

from ledger.money import format_euros


def refusal() -> str:
    return _(
        "un seul repas par jour : le repas exceptionnel remplace le repas habituel, "
        "choisissez l'un ou l'autre"
    )


def doubled_days(keys) -> set[tuple[int, datetime.date]]:
    """(child id, day) that would have more than one meal, from (child, meal kind, day)."""
    counts = Counter((child_id, day) for child_id, _kind, day in keys)
    return {pair for pair, count in counts.items() if count > 1}


def conflicts(kept_keys, added_keys) -> list[tuple[int, datetime.date]]:
    """The days an order's additions would give a second meal to a child, sorted."""
    added = {(child_id, day) for child_id, _kind, day in added_keys}
    return sorted(doubled_days(set(kept_keys) | set(added_keys)) & added, key=lambda p: p[::-1])


def meal_text(rules, meal_kind, day) -> str:
    """ "Repas de Noël — 6,20 €": the exceptional meal's name for that day and its price."""
    name = rules.exceptional_labels.get((meal_kind.pk, day)) or meal_kind.name
    price = rules.price(meal_kind, day)
    return name if price is None else f"{name} — {format_euros(price)}"


def make_exclusive(rules, child_id, cells_by_kind) -> None:
    """Mark the cells of a day offered in several meal kinds: the same group (the page's
    script unticks the other one), a note saying which meal replaces which, and a cell
    disabled when the other meal of that day is booked and can no longer be changed."""
    by_day = {}
    for meal_kind, cell in cells_by_kind:
        by_day.setdefault(cell.day, []).append((meal_kind, cell))
    for meal_kind, cell in cells_by_kind:
        if meal_kind.is_exceptional:
            cell.note = meal_text(rules, meal_kind, cell.day)
        others = [(kind, other) for kind, other in by_day[cell.day] if other is not cell]
        if not others:
            continue
        cell.group = f"{child_id}-{cell.day.isoformat()}"
        if meal_kind.is_exceptional:
            cell.note += " " + _("(remplace le repas habituel)")
        else:
            names = ", ".join(meal_text(rules, kind, cell.day) for kind, _other in others)
            cell.note = _("ou %(meal)s, qui le remplace") % {"meal": names}
        booked = [
            kind
            for kind, other in others
            if other.state in ("reserved", "held") and other.disabled and other.checked
        ]
        if booked and cell.state == "free" and not cell.disabled:
            cell.disabled = True
            cell.checked = False
            cell.reason = _("%(meal)s déjà choisi ce jour-là") % {"meal": booked[0].name}
