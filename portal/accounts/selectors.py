from django.contrib.auth import get_user_model


def count_active_parent_accounts() -> int:
    return get_user_model().objects.filter(is_active=True, is_staff=False).count()
