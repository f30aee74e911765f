"""The planning and recap pages as a parent's test client reads them (shared helpers)."""

PLANNING = "/Clairoix/reservations/cant/reservation/"
RECAP = "/Clairoix/reservations/cant/recapitulatif/"


def grid(client):
    return client.get(PLANNING).context["planning"]


def first_free_cells(client, child_name, count):
    planning = grid(client)
    tab = next(t for t in planning.children if t.child.first_name == child_name)
    return [c for c in tab.kinds[0].months[0].cells if not c.disabled][:count]
