"""Routing by URL prefix (/<commune>/...) and per-commune session cookies."""

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils.deprecation import MiddlewareMixin
from django_tenants.middleware.subfolder import TenantSubfolderMiddleware
from django_tenants.urlresolvers import get_subfolder_urlconf

from tenants import node_cache, page_cache, selectors
from tenants.slugs import is_platform_segment

# The parts of a commune's site its staff still read while the commune is suspended.
STAFF_SECTIONS = ("admin", "gestion")
# ... where a suspended commune still accepts a POST: logging in and out.
READ_ONLY_WRITES_ALLOWED = ("admin/login/", "admin/logout/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# One URLconf module per commune: Django caches a resolver per module, so reusing the
# module keeps URL resolution warm instead of clearing every cache on each request.
_commune_urlconfs = {}


def commune_urlconf(commune):
    urlconf = _commune_urlconfs.get(commune.slug)
    if urlconf is None:
        commune.domain_subfolder = commune.slug
        urlconf = _commune_urlconfs[commune.slug] = get_subfolder_urlconf(commune)
    return urlconf


class CommunePrefixMiddleware(TenantSubfolderMiddleware):
    """Takes the first path segment as the commune, with no extra prefix.

    The stock middleware refuses an empty TENANT_SUBFOLDER_PREFIX and needs a public tenant
    row; here platform routes (console, static, healthz...) run in the public schema with
    request.tenant set to None.
    """

    def __init__(self, get_response):
        MiddlewareMixin.__init__(self, get_response)

    def process_request(self, request):
        connection.set_schema_to_public()
        segment = request.path_info.lstrip("/").split("/", 1)[0]
        if not segment or is_platform_segment(segment):
            # No commune: a node cache this request reads asks Redis then, if at all.
            node_cache.forget_request_tokens()
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        # One Redis round trip for every node cache, and for the page cache (a GET page
        # served again needs nothing more from Redis).
        prefetch = page_cache.prefetch_keys(request, segment, session_cookie_name)
        prefetched = node_cache.read_tokens_for_request(prefetch)
        commune = selectors.commune_by_slug(segment)
        if commune is None:
            commune = selectors.commune_by_slug_any_case(segment)
            if commune is not None:
                target = "/" + commune.slug + request.path_info[len(segment) + 1 :]
                query = request.META.get("QUERY_STRING")
                return HttpResponsePermanentRedirect(target + ("?" + query if query else ""))
            return self.no_tenant_found(request, segment)

        request.tenant = commune
        if not commune.is_active:
            # Suspended: the families' portal is closed; the staff keep reading their
            # workspace (SuspendedReadOnlyMiddleware refuses every write).
            section = request.path_info.lstrip("/").split("/", 2)[1:2]
            if section != [] and section[0] in STAFF_SECTIONS:
                request.commune_read_only = True
            else:
                return render(request, "tenants/suspended.html", {"commune": commune}, status=503)
        connection.set_tenant(commune)
        page_cache.keep_prefetched(request, segment, commune.schema_name, prefetch, prefetched)
        request.urlconf = commune_urlconf(commune)
        set_urlconf(request.urlconf)
        return None

    def no_tenant_found(self, request, segment):
        request.tenant = None
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        set_urlconf(request.urlconf)
        return render(request, "404.html", {"unknown_commune": segment}, status=404)


def session_cookie_name(schema: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}_{schema}"


def session_cookie_for(request) -> tuple[str, str]:
    """The session cookie's name and path: one per commune, one for the console."""
    commune = getattr(request, "tenant", None)
    if commune is None:
        return settings.SESSION_COOKIE_NAME + "_console", "/console/"
    return session_cookie_name(commune.schema_name), f"/{commune.slug}/"


class CommuneSessionMiddleware(SessionMiddleware):
    """Django's session middleware with the cookie scoped to the commune.

    Sessions are stored in each commune's schema, so a key from one commune is unknown in
    another; the per-commune name and path keep a browser logged into several communes at
    once. Inside the request the cookie travels under Django's stock name, so the parent
    class's logic applies unchanged.
    """

    cookie_attributes = ("expires", "max-age", "domain", "secure", "httponly", "samesite")

    def process_request(self, request):
        name, _path = session_cookie_for(request)
        request.COOKIES.pop(settings.SESSION_COOKIE_NAME, None)
        if name in request.COOKIES:
            request.COOKIES[settings.SESSION_COOKIE_NAME] = request.COOKIES[name]
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        morsel = response.cookies.pop(settings.SESSION_COOKIE_NAME, None)
        if morsel is not None:
            name, path = session_cookie_for(request)
            response.cookies[name] = morsel.value
            for attribute in self.cookie_attributes:
                if morsel[attribute]:
                    response.cookies[name][attribute] = morsel[attribute]
            response.cookies[name]["path"] = path
        return response


class CommuneCsrfCookieMiddleware(MiddlewareMixin):
    """The CSRF cookie, named and scoped per commune like the session cookie.

    The token rides in a cookie rather than in the session, so an anonymous visitor reading
    the login page creates no session row; a token from one commune is still worthless in
    another. Inside the request the cookie travels under Django's stock name.
    """

    def process_request(self, request):
        name, _path = csrf_cookie_for(request)
        request.COOKIES.pop(settings.CSRF_COOKIE_NAME, None)
        if name in request.COOKIES:
            request.COOKIES[settings.CSRF_COOKIE_NAME] = request.COOKIES[name]

    def process_response(self, request, response):
        morsel = response.cookies.pop(settings.CSRF_COOKIE_NAME, None)
        if morsel is not None:
            name, path = csrf_cookie_for(request)
            response.cookies[name] = morsel.value
            for attribute in CommuneSessionMiddleware.cookie_attributes:
                if morsel[attribute]:
                    response.cookies[name][attribute] = morsel[attribute]
            response.cookies[name]["path"] = path
        return response


def csrf_cookie_for(request) -> tuple[str, str]:
    name, path = session_cookie_for(request)
    return name.replace(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, 1), path


class SuspendedReadOnlyMiddleware(MiddlewareMixin):
    """A suspended commune's workspace is read-only: every write is refused, whatever the
    page, before its view runs; logging in and out still work."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(request, "commune_read_only", False) or request.method in SAFE_METHODS:
            return None
        inside = request.path_info[len(request.tenant.slug) + 2 :]
        if inside in READ_ONLY_WRITES_ALLOWED:
            return None
        return render(request, "tenants/read_only.html", {"commune": request.tenant}, status=403)
