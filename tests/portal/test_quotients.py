"""Issue 15, item 2: a household's quotient familial, set by staff and imported from CSV."""

import datetime
from decimal import Decimal

import pytest

from portal import quotients, roles
from portal.models import JournalEntry, QuotientFamilial
from tests.factories import PASSWORD, UserFactory

IMPORT = "/Clairoix/gestion/familles/quotients/import/"
GOOD = (
    "foyer;email;qf;source;du;au\n"
    "BLANCHARD;bertrand.blanchard@example.org;1 234,56;CAF;01/09/2026;31/08/2027\n"
    "DUPONT;Anne.Dupont@example.org;480;avis d'imposition;01/01/2027;\n"
)
BAD = (
    "foyer;email;qf;source;du;au\n"
    "BLANCHARD;bertrand.blanchard@example.org;812,50;CAF;01/09/2026;\n"
    "DUPONT;personne@example.org;480;CAF;01/01/2027;\n"
    "BLANCHARD;bertrand.blanchard@example.org;8.12;Pôle emploi;2026-09-01;\n"
)


def staff_client(client, role):
    user = UserFactory(email=f"{role.lower()}@clairoix.test", is_staff=True)
    roles.give_role(user, role)
    client.post("/Clairoix/admin/login/", {"username": user.email, "password": PASSWORD})
    return client


def test_a_good_csv_is_previewed_then_imported_in_one_go(client, blanchard, dupont):
    admin = staff_client(client, roles.ADMINISTRATEUR)
    preview = admin.post(IMPORT, {"content": GOOD}).content.decode()
    assert "Importer ces quotients" in preview
    assert not QuotientFamilial.objects.exists()
    response = admin.post(IMPORT, {"content": GOOD, "confirm": "1"})
    assert response.status_code == 302
    rows = {q.household.name: q for q in QuotientFamilial.objects.all()}
    assert rows["BLANCHARD"].value == Decimal("1234.56")
    assert rows["BLANCHARD"].valid_until == datetime.date(2027, 8, 31)
    assert rows["DUPONT"].source == QuotientFamilial.Source.TAX
    assert rows["DUPONT"].valid_until is None
    assert JournalEntry.objects.filter(action=quotients.IMPORT_ACTION).count() == 2


def test_bad_lines_are_refused_with_their_messages_and_nothing_is_imported(
    client, blanchard, dupont
):
    admin = staff_client(client, roles.ADMINISTRATEUR)
    page = admin.post(IMPORT, {"content": BAD, "confirm": "1"}).content.decode()
    assert "introuvable" in page  # line 3: no such guardian e-mail in DUPONT
    assert "Pôle emploi" in page and "inconnue" in page  # line 4
    assert "« 8.12 » illisible" in page and "2026-09-01" in page
    assert "déjà plus haut" in page
    assert "rien n&#x27;a été importé" in page or "rien n'a été importé" in page
    assert not QuotientFamilial.objects.exists()
    with pytest.raises(quotients.ImportRefused):
        quotients.quotients_import(actor=None, content=BAD)
    assert not QuotientFamilial.objects.exists()
    assert not JournalEntry.objects.exists()


def test_a_file_without_the_header_is_refused(blanchard):
    preview = quotients.import_preview("BLANCHARD;x@example.org;500;CAF;01/09/2026;\n")
    assert not preview.ok and "première ligne" in preview.errors[0]


def test_staff_set_a_qf_on_the_family_page_with_a_journal_row(client, blanchard):
    admin = staff_client(client, roles.ADMINISTRATEUR)
    household = blanchard.household
    url = f"/Clairoix/gestion/familles/{household.pk}/quotient/"
    data = {"value": "812,50", "source": "msa", "valid_from": "01/09/2026", "valid_until": ""}
    assert admin.post(url, data).status_code == 302
    quotient = QuotientFamilial.objects.get()
    assert (quotient.value, quotient.source) == (Decimal("812.50"), "msa")
    assert JournalEntry.objects.filter(
        action=quotients.SET_ACTION, household_id=household.pk
    ).exists()
    page = admin.get(f"/Clairoix/gestion/familles/{household.pk}/").content.decode()
    assert "Quotient familial" in page and "812" in page
    assert admin.post(url, {**data, "value": "8.1.2"}).status_code == 302
    assert QuotientFamilial.objects.count() == 1


def test_lecture_cannot_set_a_qf_nor_import(client, blanchard):
    reader = staff_client(client, roles.LECTURE)
    url = f"/Clairoix/gestion/familles/{blanchard.household.pk}/quotient/"
    data = {"value": "500", "source": "caf", "valid_from": "01/09/2026"}
    assert reader.post(url, data).status_code == 403
    assert reader.post(IMPORT, {"content": GOOD, "confirm": "1"}).status_code == 403
    assert not QuotientFamilial.objects.exists()
