from html.parser import HTMLParser

import pytest

from notifications.models import OutboxEmail
from portal.models import ContactMessage

PARENT_PAGES = [
    "/Clairoix/accueil/",
    "/Clairoix/coordonnees/",
    "/Clairoix/coordonnees/vos-coordonnees/",
    "/Clairoix/coordonnees/mot-de-passe/",
    "/Clairoix/nous-contacter/",
]


def test_pages_show_only_the_parents_own_household(parent_client, blanchard, dupont):
    for url in PARENT_PAGES:
        page = parent_client.get(url).content.decode()
        assert "DUPONT" not in page and "Zoé" not in page and "anne.dupont" not in page, url
    details = parent_client.get("/Clairoix/coordonnees/vos-coordonnees/").content.decode()
    assert "rue des Écoles" in details and "Tilleuls" not in details


@pytest.mark.parametrize(
    "url",
    [
        "/Clairoix/coordonnees/vos-coordonnees/?idparent={pk}",
        "/Clairoix/accueil/?idparent={pk}",
        "/Clairoix/coordonnees/vos-coordonnees/?household={pk}&idfoyer={pk}",
    ],
)
def test_another_households_id_in_the_query_is_ignored(parent_client, blanchard, dupont, url):
    """No parent page takes an id: one guessed into the query still shows one's own."""
    response = parent_client.get(url.format(pk=dupont.household_id))
    assert response.status_code == 200
    page = response.content.decode()
    assert "BLANCHARD" in page
    assert "DUPONT" not in page and "Tilleuls" not in page and "anne.dupont" not in page


def test_no_parent_route_takes_a_numeric_id():
    """The commune's URLconf has no <int:...> outside the staff pages and the admin: nothing
    that could carry another family's id."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def routes(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from routes(entry, route)
            elif isinstance(entry, URLPattern):
                yield route

    all_routes = list(routes(get_resolver("config.urls_commune")))
    assert "coordonnees/vos-coordonnees/" in all_routes
    with_ids = [r for r in all_routes if "<int:" in r or "<pk" in r or "(?P<object_id>" in r]
    assert [r for r in with_ids if not r.startswith(("admin/", "gestion/"))] == []


def test_posting_ones_contact_details_changes_no_other_household(parent_client, blanchard, dupont):
    form = parent_client.get("/Clairoix/coordonnees/vos-coordonnees/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert "guardian1_mobile_phone" in data and dupont.rank == blanchard.rank
    data.update({"guardian1_mobile_phone": "06 00 00 00 01", "household": dupont.household_id})
    response = parent_client.post("/Clairoix/coordonnees/vos-coordonnees/", data)
    assert response.status_code == 302
    blanchard.refresh_from_db()
    dupont.refresh_from_db()
    assert blanchard.mobile_phone == "06 00 00 00 01"  # the change took, on one's own row
    assert dupont.mobile_phone == "07 81 22 33 45"  # same rank, other household: untouched
    assert dupont.household.street_name == "allée des Tilleuls"


def test_a_staff_account_without_household_gets_404_on_family_pages(client, in_clairoix):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(email="agent@clairoix.test", is_staff=True)
    client.post("/Clairoix/", {"username": "agent@clairoix.test", "password": PASSWORD})
    assert client.get("/Clairoix/coordonnees/vos-coordonnees/").status_code == 404
    assert client.get("/Clairoix/nous-contacter/").status_code == 404


def test_nous_contacter_stores_and_emails_the_commune_with_a_reply_to(parent_client, blanchard):
    response = parent_client.post(
        "/Clairoix/nous-contacter/", {"subject": "Allergie", "body": "Maxime est allergique."}
    )
    assert response.status_code == 302
    message = ContactMessage.objects.get()
    assert (message.household, message.author) == (blanchard.household, blanchard.user)
    email = OutboxEmail.objects.get()
    assert email.to_email == "mairie@clairoix.test"
    assert email.reply_to == "bertrand.blanchard@example.org"
    assert "BLANCHARD" in email.subject and "Allergie" in email.subject
    assert "Maxime est allergique." in email.body_text


def test_nous_contacter_requires_subject_and_message(parent_client, blanchard):
    response = parent_client.post("/Clairoix/nous-contacter/", {"subject": "", "body": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "body"}
    assert not ContactMessage.objects.exists()


class FormControls(HTMLParser):
    """Collects form controls and the ids that a <label for> names."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled, self.label_depth = [], set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            if attrs.get("type") in ("hidden", "submit", "button"):
                return
            attrs["_wrapped"] = self.label_depth > 0
            self.controls.append(attrs)

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1


def unlabelled_controls(html):
    parser = FormControls()
    parser.feed(html)
    return [
        c
        for c in parser.controls
        if not (c.get("id") in parser.labelled or c["_wrapped"] or c.get("aria-label"))
    ]


def test_every_field_of_every_page_has_a_label(parent_client, blanchard, client):
    pages = {url: parent_client.get(url).content.decode() for url in PARENT_PAGES}
    anonymous = parent_client.__class__()
    for url in ("/Clairoix/", "/Clairoix/mot-de-passe-oublie/"):
        pages[url] = anonymous.get(url).content.decode()
    controls_seen = 0
    for url, html in pages.items():
        assert unlabelled_controls(html) == [], url
        parser = FormControls()
        parser.feed(html)
        controls_seen += len(parser.controls)
    assert controls_seen >= 26  # coordonnées 18, password 3, contact 2, login 2, lost 1
