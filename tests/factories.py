import factory
from django.contrib.auth import get_user_model
from django.test import Client

from portal import roles

PASSWORD = "Un-mot-de-passe-solide-2026"


class UserFactory(factory.django.DjangoModelFactory):
    """A user in whatever schema is current when the factory runs."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = "Bertrand"
    last_name = "BLANCHARD"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def agent_client(role, email=None):
    """A staff user of that role in the current commune schema, logged in: (client, user)."""
    user = UserFactory(
        email=email or f"{role.lower()}@clairoix.test",
        is_staff=True,
        first_name="Claire",
        last_name="AGENT",
    )
    roles.give_role(user, role)
    client = Client()
    response = client.post("/Clairoix/admin/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client, user
