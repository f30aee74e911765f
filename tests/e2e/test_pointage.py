"""Issue 14, item 1: an agent takes the register of a 25-child day on a 768×1024 tablet;
the network drops for a few taps, the page says how many are not saved, and every tap
reaches the database once the network is back."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import conftest as e2e

pytestmark = pytest.mark.e2e

# Run in the demo's database: today, 25 children of Clairoix's canteen have a meal booked
# (the demo town's children first, then new BLANCHARD children enrolled for the test).
TWENTY_FIVE = """
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import schema_context
from booking.models import Enrolment, MealKind, Order, PlanningGroup, Reservation, Service, Site
from portal.models import Child, Household
from tenants.models import Commune

with schema_context(Commune.objects.get(slug="Clairoix").schema_name):
    service = Service.objects.get(code="cant")
    meal = MealKind.objects.get(service=service, is_exceptional=False)
    site = Site.objects.get(name="Restaurant scolaire de Clairoix")
    group = PlanningGroup.objects.get(name="Élémentaire")
    day = timezone.localdate()
    agent = get_user_model().objects.get(email="agent@clairoix.example")
    blanchard = Household.objects.get(name="BLANCHARD")
    for n in range(25):
        child, _ = Child.objects.get_or_create(
            household=blanchard, first_name=f"Pointé{n:02d}",
            defaults={"last_name": "BLANCHARD", "birth_date": datetime.date(2017, 1, 1),
                      "class_name": "CE2"},
        )
        Enrolment.objects.get_or_create(
            child=child, service=service, defaults={"site": site, "planning_group": group}
        )
    Reservation.objects.filter(day=day, meal_kind__service=service).delete()
    children = [e.child for e in Enrolment.objects.filter(service=service, site=site)
                .select_related("child").order_by("child__household__name", "child_id")][:25]
    orders = {}
    for child in children:
        if child.household_id not in orders:
            orders[child.household_id] = Order.objects.create(
                household_id=child.household_id, service=service, status="validated",
                created_by=agent, expires_at=timezone.now(), validated_at=timezone.now(),
            )
        Reservation.objects.create(
            child=child, meal_kind=meal, site=site, day=day, status="confirmed",
            unit_price="4.70", order=orders[child.household_id],
        )
    print("DAY=" + day.isoformat())
"""

SAVED = """
from django_tenants.utils import schema_context
from booking.models import Attendance
from tenants.models import Commune

with schema_context(Commune.objects.get(slug="Clairoix").schema_name):
    for a in Attendance.objects.filter(day="{day}").order_by("child_id"):
        print("TAP=%d:%d" % (a.child_id, a.present))
"""


def test_register_of_25_children_with_the_network_cut(browser, demo):
    output = demo.manage("shell", "-c", TWENTY_FIVE).stdout
    day = re.search(r"^DAY=(.*)$", output, re.M).group(1)
    walk = e2e.StaffWalk(browser, demo, "pointage", "tablet")
    try:
        page = walk.login_staff("Agent", path="gestion/pointage/")
        rows = page.locator(".attendance-row")
        expect(rows).to_have_count(25)
        expect(page.get_by_text("25 enfants attendus")).to_be_visible()
        sync = page.locator("[data-sync]")
        wanted = {}

        def tap(index, present):
            row = rows.nth(index)
            row.get_by_role("button", name="Présent" if present else "Absent").click()
            wanted[int(row.get_attribute("data-child"))] = present

        for index in range(10):
            tap(index, index != 3)
        expect(sync).to_have_text("Tous les pointages sont enregistrés.")

        walk.context.set_offline(True)
        for index in range(10, 15):
            tap(index, index % 2 == 0)
        tap(3, True)  # a child first marked absent, then present, offline
        expect(sync).to_contain_text("6 pointages non enregistrés")
        walk.shot("hors-ligne")

        walk.context.set_offline(False)
        expect(sync).to_have_text("Tous les pointages sont enregistrés.", timeout=10_000)
        for index in range(15, 25):
            tap(index, index != 20)
        expect(sync).to_have_text("Tous les pointages sont enregistrés.")
        expect(page.locator("[data-present-count]")).to_have_text(str(sum(wanted.values())))
    finally:
        walk.close()

    saved = demo.manage("shell", "-c", SAVED.replace("{day}", day)).stdout
    taps = {int(c): p == "1" for c, p in re.findall(r"^TAP=(\d+):(\d)$", saved, re.M)}
    assert len(wanted) == 25
    assert taps == wanted
    assert datetime.date.fromisoformat(day)
