"""Issue 13, item 3: a closure of some sites of a service ("Fermetures" : sites, jours,
motif) cancels and credits only the meals of those sites."""

import datetime
from decimal import Decimal

import pytest

from booking import closures, selectors, service_days, services
from booking.models import Closure, Reservation
from ledger import selectors as ledger_selectors
from ledger.models import CreditNote
from notifications.models import OutboxEmail
from portal.models import JournalEntry
from tests.booking.factories import EnrolmentFactory, SiteFactory
from tests.booking.test_closures import (
    MON,
    NOW,
    THU,
    TUE,
    book_and_pay,
    cell,
    key,
    paid_late_monday_stays_credit,
)
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory

CLAIROIX = "Restaurant scolaire de Clairoix"


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)


@pytest.fixture
def two_sites(canteen_2027, blanchard, dupont):
    """BLANCHARD's Maxime and Léa eat at Clairoix's canteen, DUPONT's Zoé at the Bourg's;
    all three booked and paid Monday 4 January."""
    c = canteen_2027
    c.bourg = SiteFactory(name="École du Bourg")
    c.zoe = dupont.household.children.get()
    EnrolmentFactory(child=c.zoe, service=c.service, site=c.bourg, planning_group=c.nursery)
    book_and_pay(blanchard, c, {key(c.maxime, c.meal, MON), key(c.lea, c.meal, MON)})
    book_and_pay(dupont, c, {key(c.zoe, c.meal, MON)})
    return c


def test_closing_one_site_cancels_and_credits_only_its_meals(two_sites, blanchard, dupont, agent):
    c = two_sites
    preview = closures.preview_closure(service=c.service, day=MON, sites=[c.site])
    assert (preview.reservations, preview.families, preview.euros) == (2, 1, Decimal("9.40"))
    assert [(p.site.name, p.reservations, p.euros) for p in preview.per_site] == [
        (CLAIROIX, 2, Decimal("9.40"))
    ]
    assert not Closure.objects.exists()  # the preview writes nothing

    result = closures.close_day(
        service=c.service, day=MON, sites=[c.site], reason="grève", closed_by=agent, now=NOW
    )
    assert (result.reservations, result.families, result.euros) == (2, 1, Decimal("9.40"))
    closure = Closure.objects.get()
    assert (closure.site, closure.day, closure.cancelled_reservations) == (c.site, MON, 2)
    assert closure.credited_amount == Decimal("9.40") and closure.families == 1

    # Clairoix's meals cancelled and credited once; the Bourg's Zoé still eats on Monday.
    assert Reservation.objects.get(child=c.zoe).status == Reservation.Status.CONFIRMED
    assert not Reservation.objects.filter(site=c.site, day=MON, status__in=selectors.ACTIVE)
    assert dict(CreditNote.objects.values_list("account__household__name", "total")) == {
        "BLANCHARD": Decimal("9.40")
    }
    assert ledger_selectors.balance(dupont.household, "cant") == Decimal("0.00")

    # One e-mail, to BLANCHARD only, naming the site.
    (email,) = OutboxEmail.objects.filter(template="booking/closure_notice")
    assert email.to_email == blanchard.user.email
    assert f"Sites concernés : {CLAIROIX}." in email.body_text

    # The kitchen counts only the Bourg that day, which stays a service day.
    kitchen = selectors.kitchen_list(MON)
    assert [
        (site.name, [child for child, _group in rows]) for (site, _kind), rows in kitchen.items()
    ] == [("École du Bourg", [c.zoe])]
    assert service_days.next_service_day(MON - datetime.timedelta(days=1)) == MON

    # The journal row says which site.
    entry = JournalEntry.objects.get(action="booking.closure")
    assert f"(Restaurant scolaire, {CLAIROIX})" in entry.summary
    assert entry.details["sites"] == [CLAIROIX]


def test_the_other_site_still_books_and_the_closed_site_is_refused(
    two_sites, blanchard, dupont, agent
):
    c = two_sites
    tom = ChildFactory(household=dupont.household, first_name="Tom")
    EnrolmentFactory(child=tom, service=c.service, site=c.bourg, planning_group=c.elementary)
    # A draft of Thursday made before Thursday is closed at Clairoix.
    late = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, THU)},
        created_by=blanchard.user,
        now=NOW,
    )
    closures.close_day(service=c.service, day=MON, sites=[c.site], reason="grève", closed_by=agent)
    closures.close_day(service=c.service, day=THU, sites=[c.site], reason="grève", closed_by=agent)

    # The grid: closed for the children of Clairoix only.
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    closed = cell(planning, c.maxime, MON)
    assert (closed.state, closed.reason, closed.disabled) == ("closed", "fermé : grève", True)
    assert cell(planning, c.lea, MON).state == "closed"
    theirs = selectors.planning_for(dupont.household, c.service, now=NOW)
    assert cell(theirs, c.zoe, MON).state == "reserved"
    assert (cell(theirs, tom, MON).state, cell(theirs, tom, MON).disabled) == ("free", False)

    # The Bourg's family books Monday; Clairoix's is refused, in the draft...
    order = services.draft_order(
        household=dupont.household,
        service=c.service,
        wanted_keys={key(c.zoe, c.meal, MON), key(tom, c.meal, MON)},
        created_by=dupont.user,
        now=NOW,
    )
    services.validate_order(order=order, household=dupont.household, now=NOW, allow_debit=True)
    assert Reservation.objects.filter(child=tom, day=MON, status="confirmed").exists()
    with pytest.raises(services.OrderRefused, match="service fermé ce jour"):
        services.draft_order(
            household=blanchard.household,
            service=c.service,
            wanted_keys={key(c.maxime, c.meal, TUE), key(c.maxime, c.meal, MON)},
            created_by=blanchard.user,
            now=NOW,
        )
    # ... and in the re-check under the locks of a draft made before the closure.
    with pytest.raises(services.OrderRefused, match="service fermé ce jour"):
        services.validate_order(
            order=late, household=blanchard.household, now=NOW, allow_debit=True
        )
    assert not Reservation.objects.filter(child=c.maxime, day=THU).exists()


def test_a_held_order_on_the_closed_site_keeps_its_payment_as_credit(
    canteen_2027, blanchard, dupont, agent
):
    c = canteen_2027
    bourg = SiteFactory(name="École du Bourg")
    zoe = dupont.household.children.get()
    EnrolmentFactory(child=zoe, service=c.service, site=bourg, planning_group=c.nursery)
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, MON), key(c.maxime, c.meal, TUE)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    other = services.draft_order(
        household=dupont.household,
        service=c.service,
        wanted_keys={key(zoe, c.meal, MON)},
        created_by=dupont.user,
        now=NOW,
    )
    services.hold_order(order=other, household=dupont.household, now=NOW)

    preview = closures.preview_closure(service=c.service, day=MON, sites=[c.site])
    assert (preview.reservations, preview.held, preview.families) == (0, 1, 1)
    result = closures.close_day(
        service=c.service, day=MON, sites=[c.site], reason="cuisine", closed_by=agent
    )
    assert (result.reservations, result.held) == (0, 1)
    assert Reservation.objects.get(child=zoe).status == Reservation.Status.HELD

    # Paid afterwards: Tuesday is booked, Monday's 4,70 € stays as credit.
    paid_late_monday_stays_credit(blanchard, order, c.maxime)


def test_overlapping_closures(two_sites, agent):
    c = two_sites
    # A site on a day closed for every site: refused, saying so, nothing written.
    closures.close_day(service=c.service, day=TUE, reason="grève", closed_by=agent)
    with pytest.raises(closures.ClosureRefused, match="déjà fermé pour tous les sites le 05/01"):
        closures.close_day(
            service=c.service, day=TUE, sites=[c.bourg], reason="grève", closed_by=agent
        )
    with pytest.raises(closures.ClosureRefused, match="déjà fermé pour tous les sites"):
        closures.preview_closure(service=c.service, day=TUE, sites=[c.bourg])
    assert Closure.objects.filter(day=TUE).count() == 1

    # The same site twice: refused.
    closures.close_day(service=c.service, day=MON, sites=[c.site], reason="grève", closed_by=agent)
    with pytest.raises(closures.ClosureRefused, match="déjà fermés"):
        closures.close_day(
            service=c.service, day=MON, sites=[c.site], reason="grève", closed_by=agent
        )

    # Every site on a day where Clairoix is closed: closes the others (Zoé's meal).
    result = closures.close_day(service=c.service, day=MON, reason="neige", closed_by=agent)
    assert (result.reservations, result.families) == (1, 1)
    assert not Reservation.objects.filter(day=MON, status__in=selectors.ACTIVE).exists()
    assert set(Closure.objects.filter(day=MON).values_list("site", flat=True)) == {
        c.site.pk,
        None,
    }
    assert CreditNote.objects.count() == 2  # BLANCHARD once, DUPONT once
    with pytest.raises(closures.ClosureRefused, match="déjà fermés"):
        closures.close_day(service=c.service, day=MON, reason="neige", closed_by=agent)
