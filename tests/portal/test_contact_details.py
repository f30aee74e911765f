import pytest

from notifications.models import OutboxEmail
from portal.models import ContactDetailsChange, Guardian, Household
from tests.factories import UserFactory
from tests.portal.factories import GuardianFactory

URL = "/Clairoix/coordonnees/vos-coordonnees/"


def current_form_data(client):
    form = client.get(URL).context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_the_form_shows_every_field_of_the_manual_filled_in(parent_client, blanchard):
    GuardianFactory(
        household=blanchard.household,
        rank=Guardian.Rank.SECOND,
        civility="MME",
        user=UserFactory(email="sophie@example.org", first_name="Sophie"),
        mobile_phone="07 00 00 00 01",
    )
    page = parent_client.get(URL).content.decode()
    for label in (
        "Civilité", "Nom de l&#x27;utilisateur", "Prénom de l&#x27;utilisateur", "Adresse mail",
        "N° rue", "Nom voie", "Complément d&#x27;adresse", "Code postal", "Autre code postal",
        "Commune", "Domicile", "Portable", "Travail", "Poste/Service", "Autre personne",
        "Autre personne 2", "Valider", "Annuler", "Responsable 1", "Responsable 2",
    ):  # fmt: skip
        assert label in page, label
    assert 'value="60280"' in page and "07 00 00 00 01" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "6028", "Le code postal comporte 5 chiffres"),
        ("postal_code", "6O280", "Le code postal comporte 5 chiffres"),
        ("home_phone", "12345", "Numéro de téléphone invalide"),
        ("guardian1_mobile_phone", "06 12", "Numéro de téléphone invalide"),
        ("email", "pas-une-adresse", "Saisissez une adresse e-mail valide"),
    ],
)
def test_invalid_input_is_refused_next_to_its_field_and_nothing_is_saved(
    parent_client, blanchard, field, value, message
):
    data = current_form_data(parent_client)
    data.update({field: value, "street_name": "rue Neuve"})
    response = parent_client.post(URL, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'aria-invalid="true"' in response.content.decode()
    assert Household.objects.get(pk=blanchard.household_id).street_name == "rue des Écoles"
    assert not ContactDetailsChange.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_valid_change_is_saved_and_the_notice_lists_exactly_the_changed_fields(
    parent_client, blanchard
):
    data = current_form_data(parent_client)
    data.update(
        {"street_name": "rue Neuve", "postal_code": "60200", "guardian1_mobile_phone": "0781223344"}
    )
    response = parent_client.post(URL, data)
    assert response.status_code == 302

    household = Household.objects.get(pk=blanchard.household_id)
    assert (household.street_name, household.postal_code) == ("rue Neuve", "60200")
    assert Guardian.objects.get(pk=blanchard.pk).mobile_phone == "07 81 22 33 44"

    notice = OutboxEmail.objects.get()
    assert notice.to_email == "mairie@clairoix.test"
    assert notice.reply_to == "bertrand.blanchard@example.org"
    assert "Avis de modification de coordonnées" in notice.subject
    listed = [line for line in notice.body_text.splitlines() if line.startswith("- ")]
    assert listed == [
        "- Nom voie : « rue des Écoles » → « rue Neuve »",
        "- Code postal : « 60280 » → « 60200 »",
        "- Portable — Responsable 1 (BLANCHARD Bertrand) : « 06 12 34 56 78 » → « 07 81 22 33 44 »",
    ]
    change = ContactDetailsChange.objects.get()
    assert [c["label"] for c in change.changes] == [
        "Nom voie",
        "Code postal",
        "Portable — Responsable 1 (BLANCHARD Bertrand)",
    ]


def test_no_change_no_email(parent_client, blanchard):
    response = parent_client.post(URL, current_form_data(parent_client))
    assert response.status_code == 302
    assert not OutboxEmail.objects.exists()
    assert not ContactDetailsChange.objects.exists()


def test_email_already_used_by_another_account_is_refused(parent_client, blanchard, dupont):
    data = current_form_data(parent_client)
    data["email"] = "ANNE.dupont@example.org"
    response = parent_client.post(URL, data)
    assert response.status_code == 200
    assert "déjà utilisée" in " ".join(response.context["form"].errors["email"])
    blanchard.user.refresh_from_db()
    assert blanchard.user.email == "bertrand.blanchard@example.org"


def test_an_error_is_tied_to_its_field_and_listed_in_the_summary(parent_client, blanchard):
    data = current_form_data(parent_client)
    data["postal_code"] = "123"
    page = parent_client.post(URL, data).content.decode()
    assert 'aria-describedby="id_postal_code_error"' in page
    assert '<p class="field-error" id="id_postal_code_error">' in page
    assert '<a href="#id_postal_code">Code postal</a>' in page
    assert 'role="alert"' in page
