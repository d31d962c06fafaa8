import re
import uuid

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .logging import request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(request) -> str:
    """The caller's X-Request-ID when it is sane, else a new one."""
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Tags each request with an id (the caller's X-Request-ID when it is sane) for the logs and
    the response header, so a buyer's complaint can be matched to log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


# The longest request line gunicorn reads (gunicorn.conf.py sets its maximum, 8190); past this
# many characters of path and query an API client gets our 414 in the JSON error shape.
MAX_API_URL_LENGTH = 4096


class ApiRequestLimitsMiddleware:
    """API clients get the one JSON error shape for a body or an address that is too long, at
    once and from the headers alone (a 5 MB body was refused with Django's HTML page and logged
    as an ERROR with a traceback)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @classmethod
    def _refusal(cls, request):
        # This runs before LocaleMiddleware (see MIDDLEWARE): the refusal picks the caller's
        # language itself, the same way (the cookie, else Accept-Language).
        with translation.override(translation.get_language_from_request(request)):
            return cls._refusal_in_language(request)

    @staticmethod
    def _refusal_in_language(request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or ""
        if limit is not None and length.isascii() and length.isdigit() and int(length) > limit:
            return JsonResponse(
                {
                    "code": "request_too_large",
                    "detail": _("The request body is larger than %(limit)s bytes.")
                    % {"limit": limit},
                },
                status=413,
            )
        url_length = len(request.path_info) + len(request.META.get("QUERY_STRING", ""))
        if url_length > MAX_API_URL_LENGTH:
            return JsonResponse(
                {
                    "code": "uri_too_long",
                    "detail": _("The address is longer than %(limit)s characters.")
                    % {"limit": MAX_API_URL_LENGTH},
                },
                status=414,
            )
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, except for the JSON API: its answers are never rendered as
    pages, so they get one fixed policy that allows nothing, set without django-csp building a
    policy per response (a twentieth of a refused hold's CPU)."""

    API_PREFIX = "/api/v1/"
    API_POLICY = "default-src 'none'; frame-ancestors 'none'"

    def process_request(self, request):
        if not request.path_info.startswith(self.API_PREFIX):
            super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(self.API_PREFIX):
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = self.API_POLICY
            return response
        return super().process_response(request, response)
