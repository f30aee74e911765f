"""The password rule in one sentence where the manual puts it, not one line per validator."""

import re

RULE = "Au moins 12 caractères ; évitez un mot de passe courant."


def visible(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_change_page_states_the_rule_once(parent_client):
    text = visible(parent_client.get("/Clairoix/coordonnees/mot-de-passe/"))
    assert text.count(RULE) == 1
    assert "ne peut pas trop ressembler" not in text
    assert "entièrement numérique" not in text
    assert "au moins 12 caractères." not in text


def test_the_first_password_page_states_it_too():
    from portal.forms import ChoosePasswordForm
    from tests.factories import UserFactory

    form = ChoosePasswordForm(UserFactory.build())
    assert form.fields["new_password1"].help_text == RULE
