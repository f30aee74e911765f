"""Response headers every page carries: Permissions-Policy, and Cache-Control for pages
that are not static files (they may show a family's data: never stored by a cache)."""

from django.conf import settings
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    """After WhiteNoise in MIDDLEWARE: static files keep their own long cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RefuseNulMiddleware:
    """First in MIDDLEWARE: a NUL character anywhere in the path, the query or a posted
    field is refused with a 400 before anything looks it up (PostgreSQL refuses NUL in text,
    which would otherwise surface as a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.shortcuts import render

            request.tenant = None
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        def in_data(data) -> bool:
            return any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in data.lists()
            )

        if "\x00" in request.path or in_data(request.GET):
            return True
        if request.method != "POST" or request.content_type not in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return False
        try:
            return in_data(request.POST)
        except Exception:  # a body Django cannot parse: the view answers it
            return False
