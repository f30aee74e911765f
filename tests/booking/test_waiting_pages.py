"""The waiting list in the pages: join and leave from the planning grid, the e-mail's link
to a kept place, the staff's lists; bad input answers a message, never a 500."""

import pytest

from booking import selectors, services
from booking.models import WaitingRequest
from portal.models import JournalEntry
from portal.roles import AGENT, LECTURE
from tests.booking.factories import SiteDayFactory, enrol
from tests.booking.pages import PLANNING, first_free_cells, grid
from tests.factories import agent_client

WAITING = "/Clairoix/reservations/cant/liste-attente/"
GESTION = "/Clairoix/gestion/liste-attente/"


@pytest.fixture
def full_day(canteen, parent_client, dupont):
    """The first free day of Maxime has one place, taken by Zoé DUPONT."""
    cell = first_free_cells(parent_client, "Maxime", 1)[0]
    zoe = dupont.household.children.get()
    enrol(canteen, zoe)
    SiteDayFactory(site=canteen.site, day=cell.day, capacity=1)
    order = services.draft_order(
        household=dupont.household,
        service=canteen.service,
        wanted_keys={selectors.cell_key(zoe.pk, canteen.meal.pk, cell.day)},
        created_by=dupont.user,
    )
    services.validate_order(order=order, household=dupont.household, allow_debit=True)
    return cell, zoe


def maxime_cell(client, day):
    tab = next(t for t in grid(client).children if t.child.first_name == "Maxime")
    return next(c for m in tab.kinds[0].months for c in m.cells if c.day == day)


def test_the_parent_joins_and_leaves_from_the_grid(full_day, parent_client):
    cell, _zoe = full_day
    page = parent_client.get(PLANNING).content.decode()
    assert "Liste d&#x27;attente" in page or "Liste d'attente" in page
    response = parent_client.post(WAITING, {"join": cell.key}, follow=True)
    assert "Vous êtes sur la liste d&#x27;attente" in response.content.decode()
    assert maxime_cell(parent_client, cell.day).reason == "complet — liste d'attente (1re)"
    assert "Quitter la liste" in parent_client.get(PLANNING).content.decode()
    parent_client.post(WAITING, {"leave": cell.key})
    assert WaitingRequest.objects.get().status == WaitingRequest.Status.LEFT
    assert maxime_cell(parent_client, cell.day).waiting == "join"


def test_bad_requests_get_a_message_and_change_nothing(full_day, parent_client, canteen):
    cell, zoe = full_day
    zoe_key = selectors.cell_key(zoe.pk, canteen.meal.pk, cell.day)
    for data in ({"join": zoe_key}, {"join": "r-1-x"}, {}, {"leave": "nonsense"}):
        response = parent_client.post(WAITING, data)
        assert response.status_code == 302
    free_day = first_free_cells(parent_client, "Maxime", 2)[1]
    response = parent_client.post(WAITING, {"join": free_day.key}, follow=True)
    assert "Il reste des places ce jour" in response.content.decode()
    assert parent_client.get(WAITING).status_code == 405
    assert not WaitingRequest.objects.exists()


def test_the_email_link_ticks_the_kept_place_through_the_household(
    full_day, parent_client, canteen, dupont
):
    cell, zoe = full_day
    parent_client.post(WAITING, {"join": cell.key})
    mine = WaitingRequest.objects.get()
    # Zoé's meal is cancelled: the place is kept for Maxime.
    order = services.draft_order(
        household=dupont.household,
        service=canteen.service,
        wanted_keys=set(),
        created_by=dupont.user,
    )
    services.validate_order(order=order, household=dupont.household, allow_debit=True)
    mine.refresh_from_db()
    assert mine.status == WaitingRequest.Status.OFFERED
    response = parent_client.get(f"{WAITING}{mine.pk}/", follow=True)
    assert "Une place est gardée pour" in response.content.decode()
    kept = maxime_cell(parent_client, cell.day)
    assert kept.checked and not kept.disabled and kept.waiting == "kept"
    # Another family's kept place, or an id that is none, is not reached through the link.
    other = WaitingRequest.objects.create(
        household=dupont.household,
        child=zoe,
        meal_kind=canteen.meal,
        site=canteen.site,
        day=cell.day,
        status=WaitingRequest.Status.OFFERED,
    )
    for request_id in (other.pk, "abc", "99999999999"):
        response = parent_client.get(f"{WAITING}{request_id}/", follow=True)
        assert response.status_code == 200
        assert "n&#x27;est plus gardée pour vous" in response.content.decode()


def test_staff_read_the_lists_and_an_agent_removes_a_family_with_a_journal_row(
    full_day, parent_client
):
    cell, _zoe = full_day
    parent_client.post(WAITING, {"join": cell.key})
    request = WaitingRequest.objects.get()
    reader, _user = agent_client(LECTURE)
    page = reader.get(GESTION).content.decode()
    assert "Maxime" in page and "Retirer" not in page
    assert (
        reader.post(f"{GESTION}retirer/", {"request": request.pk, "reason": "x"}).status_code == 403
    )
    agent, user = agent_client(AGENT)
    assert "Retirer" in agent.get(GESTION).content.decode()
    response = agent.post(f"{GESTION}retirer/", {"request": request.pk, "reason": ""}, follow=True)
    assert "Indiquez le motif du retrait" in response.content.decode()
    for bad in ("abc", "", "123456789012"):
        assert agent.post(f"{GESTION}retirer/", {"request": bad, "reason": "x"}).status_code == 302
    request.refresh_from_db()
    assert request.status == WaitingRequest.Status.WAITING
    agent.post(f"{GESTION}retirer/", {"request": request.pk, "reason": "doublon"})
    request.refresh_from_db()
    assert request.status == WaitingRequest.Status.LEFT
    entry = JournalEntry.objects.get(action="booking.waiting_removed")
    assert entry.actor_id == user.pk and "doublon" in entry.summary
