"""E-mail subjects are plain text; bodies stay escaped in HTML."""

from notifications.models import OutboxEmail
from notifications.services import queue_email
from tests.factories import UserFactory
from tests.portal.factories import HouseholdFactory


def test_a_subject_is_plain_text_on_one_line_and_the_html_body_stays_escaped(in_clairoix):
    household = HouseholdFactory(name="TOM & JERRY <b>")
    author = UserFactory(email="tom@example.org")
    queue_email(
        to="mairie@clairoix.test",
        template="portal/contact_message",
        context={
            "household": household,
            "author": author,
            "message": {"subject": "Menu\r\nBcc: pirate@example.org", "body": "Tom & Jerry"},
            "commune": in_clairoix,
        },
    )
    email = OutboxEmail.objects.get()
    assert email.subject == (
        "[Nous contacter] Menu Bcc: pirate@example.org — foyer TOM & JERRY <b>"
    )
    assert "\n" not in email.subject and "\r" not in email.subject
    assert "&amp;" in email.body_html and "TOM & JERRY <b>" not in email.body_html
