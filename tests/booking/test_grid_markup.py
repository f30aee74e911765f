"""The planning grid's month panels are written from Python ({% month_panel %},
booking/templatetags/planning_grid.py) for speed: a family must see the same page as with
the former template (tests/booking/templates/reference_grid.html), word for word and
attribute for attribute, on a planning that shows every state a box can be in."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string

from booking import selectors, services
from booking.models import Closure
from tests.booking.factories import SiteDayFactory, enrol, paris

REFERENCE = Path(__file__).parent / "templates" / "reference_grid.html"
WAITING_URL = "/Clairoix/reservations/cant/liste-attente/"
BOOKED_AT = paris(2026, 12, 15, 9, 0)
SHOWN_AT = paris(2027, 1, 8, 12, 0)  # the first January week's cut-offs are past


def normalized(html: str) -> str:
    """Whitespace runs as one space: what a browser makes of them between these tags."""
    return " ".join(html.split())


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


def open_days(planning, child, kind):
    tab = next(t for t in planning.children if t.child.pk == child.pk)
    kind_tab = next(k for k in tab.kinds if k.meal_kind.pk == kind.pk)
    return [cell.day for month in kind_tab.months for cell in month.cells if not cell.disabled]


@pytest.fixture
def busy_planning(canteen_2027, blanchard, dupont):
    """Maxime and Léa, two meal kinds, January to March 2027, with booked, held, closed,
    full (waiting list joined or not), past-deadline and exceptional-meal days."""
    c = canteen_2027
    household = blanchard.household
    strike = datetime.date(2027, 1, 12)
    Closure.objects.create(service=c.service, day=strike, reason='grève <générale> & "dure"')
    planning = selectors.planning_for(household, c.service, now=BOOKED_AT)
    maxime_days = [d for d in open_days(planning, c.maxime, c.meal) if d.month == 1]
    lea_days = set(open_days(planning, c.lea, c.meal))
    booked = [datetime.date(2027, 1, 11), *maxime_days[5:9]]  # the 11th: past at SHOWN_AT
    order = services.draft_order(
        household=household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, day) for day in booked}
        | {key(c.lea, c.meal, day) for day in booked[1:3] if day in lea_days},
        created_by=blanchard.user,
        now=BOOKED_AT,
    )
    services.validate_order(order=order, household=household, now=BOOKED_AT, allow_debit=True)
    held_day = maxime_days[10]
    order = services.draft_order(
        household=household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, day) for day in booked}
        | {key(c.maxime, c.meal, held_day)},
        created_by=blanchard.user,
        now=BOOKED_AT,
    )
    services.hold_order(order=order, household=household, now=BOOKED_AT)
    # A full day: one place, taken by Zoé DUPONT; Léa waits in line, Maxime may join.
    full_day = next(d for d in maxime_days[12:] if d in lea_days)
    zoe = dupont.household.children.get()
    enrol(c, zoe)
    SiteDayFactory(site=c.site, day=full_day, capacity=1)
    order = services.draft_order(
        household=dupont.household,
        service=c.service,
        wanted_keys={key(zoe, c.meal, full_day)},
        created_by=dupont.user,
        now=BOOKED_AT,
    )
    services.validate_order(
        order=order, household=dupont.household, now=BOOKED_AT, allow_debit=True
    )
    services.join_waiting_list(
        household=household, service=c.service, key=key(c.lea, c.meal, full_day), now=BOOKED_AT
    )
    # The page as posted: one paid day unticked (à annuler), one free day ticked.
    wanted = {key(c.maxime, c.meal, day) for day in booked[:-1]} | {
        key(c.maxime, c.meal, held_day),
        key(c.lea, c.meal, maxime_days[-1]),
    }
    return household, c.service, wanted


@pytest.mark.parametrize("shortcut_buttons, waiting_url", [(True, WAITING_URL), (False, "")])
@pytest.mark.parametrize("posted", [False, True])
def test_month_panels_write_the_former_templates_markup(
    busy_planning, shortcut_buttons, waiting_url, posted
):
    household, service, wanted = busy_planning
    planning = selectors.planning_for(
        household, service, now=SHOWN_AT, wanted=wanted if posted else None
    )
    context = {
        "planning": planning,
        "shortcut_buttons": shortcut_buttons,
        "waiting_url": waiting_url,
    }
    reference = engines["django"].from_string(REFERENCE.read_text()).render(context)
    html = render_to_string("booking/_grid.html", context)
    assert normalized(html) == normalized(reference)
    # The planning shows what it is meant to show (else the comparison proves little).
    for shown in (
        'class="day held locked"',
        'class="day reserved locked"',  # the 11th, past its cut-off
        "délai dépassé",
        "fermé : grève &lt;générale&gt; &amp; &quot;dure&quot;",
        "complet — liste d&#x27;attente (1re)",
        "vacances",
        "férié",
        'class="meal-note"',
        "data-meal-day=",
        "modifiable jusqu&#x27;au",
    ):
        assert shown in html, shown
    assert ("Tout décocher (annule" in html) == shortcut_buttons
    assert ("waiting-join" in html and "waiting-leave" in html) == bool(waiting_url)
    assert (re.search(r'class="day reserved to-cancel"', html) is not None) == posted


def test_an_empty_month_and_no_child_read_as_before(canteen_2027, blanchard):
    c = canteen_2027
    planning = selectors.planning_for(blanchard.household, c.service, now=SHOWN_AT)
    planning.children[0].kinds[0].months[0].cells = []
    context = {"planning": planning, "shortcut_buttons": True, "waiting_url": WAITING_URL}
    reference = engines["django"].from_string(REFERENCE.read_text()).render(context)
    html = render_to_string("booking/_grid.html", context)
    assert "Aucun jour ouvert ce mois-ci." in html
    assert normalized(html) == normalized(reference)
    planning.children = []
    reference = engines["django"].from_string(REFERENCE.read_text()).render(context)
    assert normalized(render_to_string("booking/_grid.html", context)) == normalized(reference)
