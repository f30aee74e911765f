"""Issue 13, item 3: the workspace page "Fermetures": declare one, see what it credited."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Closure, Order, Reservation
from ledger.models import CreditNote
from notifications.models import OutboxEmail
from portal import roles
from portal.models import Child, Household
from tests.booking.test_closures import MON, TUE, book_and_pay, key
from tests.factories import agent_client

URL = "/Clairoix/gestion/fermetures/"


@pytest.fixture
def paid(canteen_2027, blanchard):
    c = canteen_2027
    book_and_pay(
        blanchard,
        c,
        {key(c.maxime, c.meal, MON), key(c.lea, c.meal, MON), key(c.maxime, c.meal, TUE)},
    )
    return c


def form(canteen, **extra):
    return {
        "service": canteen.service.pk,
        "day": MON.isoformat(),
        "last_day": TUE.isoformat(),
        "reason": "grève",
        **extra,
    }


def test_an_agent_declares_a_closure_over_days_and_sees_the_credits(paid, blanchard):
    client, agent = agent_client(roles.AGENT)
    preview = client.post(URL + "declarer/", form(paid))
    html = preview.content.decode()
    assert preview.status_code == 200 and "Avant de confirmer" in html
    assert 'id="preview-reservations">3<' in html and 'id="preview-euros">14,10\xa0€<' in html
    assert not Closure.objects.exists()  # the preview writes nothing
    previewed = f"{paid.service.pk}:{MON}:{TUE}"
    done = client.post(URL + "declarer/", form(paid, confirm="1", previewed=previewed), follow=True)
    html = done.content.decode()
    assert "Fermeture enregistrée : 2 jour(s), 3 réservation(s) annulée(s)" in html
    assert "14,10\xa0€ crédités" in html
    closures = list(Closure.objects.order_by("day"))
    assert [(c.day, c.cancelled_reservations, c.families, c.credited_amount) for c in closures] == [
        (MON, 2, 1, Decimal("9.40")),
        (TUE, 1, 1, Decimal("4.70")),
    ]
    assert all(c.closed_by == agent for c in closures)
    # The list shows them to come, with who and what they credited.
    assert "grève" in html and "AGENT Claire" in html and "9,40\xa0€" in html
    assert CreditNote.objects.get().total == Decimal("14.10")
    assert OutboxEmail.objects.filter(template="booking/closure_notice").count() == 1
    assert not Reservation.objects.exclude(status=Reservation.Status.CANCELLED).exists()


def test_a_confirmation_for_other_days_than_previewed_only_previews(paid):
    client, _agent = agent_client(roles.AGENT)
    response = client.post(URL + "declarer/", form(paid, confirm="1", previewed="0:x:y"))
    assert "Avant de confirmer" in response.content.decode()
    assert not Closure.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"reason": ""},
        {"day": "2027-13-45"},
        {"last_day": "2026-12-01"},
        {"service": "999999"},
        {"last_day": "2027-12-31"},
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(paid, bad):
    client, _agent = agent_client(roles.AGENT)
    previewed = f"{paid.service.pk}:{MON}:{TUE}"
    response = client.post(URL + "declarer/", form(paid, confirm="1", previewed=previewed, **bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert "field-error" in html or "message-error" in html
    assert not Closure.objects.exists()


@pytest.mark.parametrize(
    ("role", "list_status", "add_status"),
    [
        (roles.ADMINISTRATEUR, 200, 200),
        (roles.AGENT, 200, 200),
        (roles.REGISSEUR, 200, 403),
        (roles.LECTURE, 200, 403),
    ],
)
def test_who_sees_and_who_declares(paid, role, list_status, add_status):
    client, _agent = agent_client(role)
    page = client.get(URL)
    assert page.status_code == list_status
    assert ("Déclarer une fermeture" in page.content.decode()) is (add_status == 200)
    assert client.get(URL + "declarer/").status_code == add_status
    previewed = f"{paid.service.pk}:{MON}:{TUE}"
    client.post(URL + "declarer/", form(paid, confirm="1", previewed=previewed))
    assert Closure.objects.exists() is (add_status == 200)


def _households_with_a_monday_meal(canteen, count, user):
    households = Household.objects.bulk_create(
        [Household(name=f"FERME{n:04d}", city="CLAIROIX") for n in range(count)]
    )
    children = Child.objects.bulk_create(
        [
            Child(household=h, last_name=h.name, first_name="Enfant", birth_date=MON)
            for h in households
        ]
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                household=h,
                service=canteen.service,
                status=Order.Status.VALIDATED,
                created_by=user,
                expires_at=timezone.now(),
            )
            for h in households
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                child=child,
                meal_kind=canteen.meal,
                site=canteen.site,
                day=MON,
                status=Reservation.Status.CONFIRMED,
                unit_price=Decimal("4.70"),
                order=order,
            )
            for child, order in zip(children, orders, strict=True)
        ]
    )


def test_the_pages_cost_the_same_queries_at_10_and_500_households(canteen_2027):
    client, agent = agent_client(roles.AGENT)
    Closure.objects.bulk_create(
        [
            Closure(service=canteen_2027.service, day=MON + datetime.timedelta(days=n), reason="x")
            for n in range(7, 12)
        ]
        + [
            Closure(service=canteen_2027.service, day=datetime.date(2026, 10, n), reason="y")
            for n in range(5, 9)
        ]
    )
    counts = []
    for count in (10, 490):
        _households_with_a_monday_meal(canteen_2027, count, agent)
        with CaptureQueriesContext(connection) as list_queries:
            assert client.get(URL).status_code == 200
        with CaptureQueriesContext(connection) as preview_queries:
            preview = client.post(URL + "declarer/", form(canteen_2027, last_day=""))
        counts.append((len(list_queries), len(preview_queries)))
    assert 'id="preview-families">500<' in preview.content.decode()
    assert counts[0] == counts[1], counts
    print("Fermetures queries (list, preview):", counts)


def test_an_agent_closes_one_site_and_the_list_says_which(paid, blanchard, dupont):
    from tests.booking.factories import EnrolmentFactory, SiteFactory

    bourg = SiteFactory(name="École du Bourg")
    zoe = dupont.household.children.get()
    EnrolmentFactory(child=zoe, service=paid.service, site=bourg, planning_group=paid.nursery)
    book_and_pay(dupont, paid, {key(zoe, paid.meal, MON)})
    client, _agent = agent_client(roles.AGENT)
    page = client.get(URL + "declarer/").content.decode()
    assert 'type="checkbox" name="sites"' in page and "Aucun coché : tous les sites." in page

    data = form(paid, last_day="", sites=[bourg.pk])
    html = client.post(URL + "declarer/", data).content.decode()
    assert 'id="preview-reservations">1<' in html and 'id="preview-euros">4,70\xa0€<' in html
    assert 'id="preview-sites">Sites : École du Bourg.<' in html
    assert '<th scope="row">École du Bourg</th><td class="num">1</td>' in html
    # A confirmation for other sites than previewed only previews again.
    client.post(
        URL + "declarer/", {**data, "confirm": "1", "previewed": f"{paid.service.pk}:{MON}:{MON}"}
    )
    assert not Closure.objects.exists()

    previewed = f"{paid.service.pk}:{MON}:{MON}:{bourg.pk}"
    done = client.post(
        URL + "declarer/", {**data, "confirm": "1", "previewed": previewed}, follow=True
    )
    html = done.content.decode()
    assert "Fermeture enregistrée : 1 jour(s), 1 réservation(s) annulée(s)" in html
    assert Closure.objects.get().site == bourg
    assert Reservation.objects.get(child=zoe).status == Reservation.Status.CANCELLED
    assert (
        Reservation.objects.filter(site=paid.site, status=Reservation.Status.CONFIRMED).count() == 3
    )
    notices = OutboxEmail.objects.filter(template="booking/closure_notice")
    assert list(notices.values_list("to_email", flat=True)) == [dupont.user.email]

    # Every site on Tuesday; the list shows each closure's sites.
    client.post(
        URL + "declarer/",
        form(
            paid,
            day=TUE.isoformat(),
            last_day="",
            confirm="1",
            previewed=f"{paid.service.pk}:{TUE}:{TUE}",
        ),
    )
    html = client.get(URL).content.decode()
    assert "<td>Restaurant scolaire<br><small>École du Bourg</small></td>" in html
    assert "<td>Restaurant scolaire<br><small>Tous les sites</small></td>" in html

    # Bourg on Tuesday, closed for every site already: refused with a message.
    html = client.post(
        URL + "declarer/", form(paid, day=TUE.isoformat(), last_day="", sites=[bourg.pk])
    ).content.decode()
    assert "Le service est déjà fermé pour tous les sites le 05/01/2027." in html
    assert "Avant de confirmer" not in html


def test_a_preview_of_some_sites_costs_the_same_queries_at_10_and_500_households(canteen_2027):
    from tests.booking.factories import SiteFactory

    client, agent = agent_client(roles.AGENT)
    bourg = SiteFactory(name="École du Bourg")
    Closure.objects.bulk_create(
        [
            Closure(
                service=canteen_2027.service,
                site=site,
                day=MON + datetime.timedelta(days=n),
                reason="x",
            )
            for n in range(7, 12)
            for site in (canteen_2027.site, bourg)
        ]
    )
    counts = []
    for count in (10, 490):
        _households_with_a_monday_meal(canteen_2027, count, agent)
        with CaptureQueriesContext(connection) as list_queries:
            assert client.get(URL).status_code == 200
        with CaptureQueriesContext(connection) as preview_queries:
            preview = client.post(
                URL + "declarer/",
                form(canteen_2027, last_day="", sites=[canteen_2027.site.pk, bourg.pk]),
            )
        counts.append((len(list_queries), len(preview_queries)))
    html = preview.content.decode()
    assert 'id="preview-families">500<' in html and "Restaurant scolaire de Clairoix</th>" in html
    assert counts[0] == counts[1], counts
    print("Fermetures with sites, queries (list, preview):", counts)
