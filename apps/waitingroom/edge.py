"""The waiting room's own server: an ASGI app (run by uvicorn, `ticketing/room_asgi.py`) that
answers `GET` and `POST /api/v1/events/<id>/room` as the shop does, without the rest of the shop
in front of it.

A crowd of 10,000 joining within ten seconds is a thousand requests a second of one cheap
answer. Through gunicorn and the whole middleware stack each cost ~3.3 ms of CPU (gunicorn's
threaded worker ~1.2 ms, the stack ~1.2 ms, the room's own work under 1 ms), so on two cores
the joins queued for half a minute. Here, on uvicorn's C parser and in a small pool of threads
(an answer waits on Redis), the common case (a GET or POST with a bearer token) is the room's
own answer (`apis.room_answer`: the join's rate limit, the Redis script, the JSON) with the
headers the shop's middlewares give it: the request id, the language, and the security and
policy headers, which depend on nothing but whether the request came over HTTPS and so are
taken once from those middlewares themselves. Anything else (no token or a bad one, another
method, a body, an odd Accept, plain HTTP where the shop redirects to HTTPS) goes through
those middlewares and the DRF view, as in the shop. Sessions, CSRF, messages, static files,
django-axes and the URL resolver are left out: nothing of them touches this API. The answers
are the shop's own (tests/waitingroom/test_edge.py compares them), so a proxy may send these
paths to either.

`/healthz`, `/readyz` and `/metrics` are the shop's views, for the load balancer and Prometheus;
any other path is a 404 in the API's error shape."""

import asyncio
import io
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from apps.common import health, metrics_view
from apps.common.api_errors import shop_error_answer
from apps.common.errors import ShopError
from apps.common.logging import request_id_var
from apps.common.middleware import request_id_of

from .apis import RoomApi, room_answer

logger = logging.getLogger(__name__)

ROOM_PATH = re.compile(r"^/api/v1/events/(\d{1,18})/room$")

# The shop's MIDDLEWARE that matter to these answers, in the shop's order: the request id, the
# security and policy headers, the API's size limits, and the language of the messages.
MIDDLEWARE = [
    "apps.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "apps.common.middleware.ApiRequestLimitsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Of those, the ones whose headers are the same on every API answer (given HTTPS or not).
HEADER_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

_room_view = RoomApi.as_view()


def _allowed_methods() -> str:
    view = RoomApi()
    view.setup(HttpRequest())  # adds HEAD beside GET, as for every request DRF answers
    return ", ".join(view.allowed_methods)


_allow = _allowed_methods()
_authenticator = RoomApi.authentication_classes[0]()
_JSON_TYPES = ("application/json", "application/*", "*/*")
_plain_views = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics_view.metrics,
}


def _not_here(request):
    return JsonResponse(
        {"code": "not_found", "detail": _("This server answers the waiting room only.")},
        status=404,
    )


def _view(request):
    """The innermost step: the view for the path, its response rendered (as Django's handler
    renders a DRF response before the middlewares see it)."""
    room = ROOM_PATH.match(request.path_info)
    if room is not None:
        response = _room_view(request, event_id=int(room.group(1)))
    else:
        response = _plain_views.get(request.path_info, _not_here)(request)
    if callable(getattr(response, "render", None)):
        response = response.render()
    return response


def build_chain(middleware=MIDDLEWARE, view=_view):
    """The middlewares around `view`, each wrapped as Django's handler wraps them, so that an
    exception anywhere becomes the response Django would give (and reaches Sentry the same
    way, through got_request_exception)."""
    handler = convert_exception_to_response(view)
    for path in reversed(middleware):
        handler = convert_exception_to_response(import_string(path)(handler))
    return handler


def _common_case(request):
    """The event id when the request is a plain join or status call with a bearer token: no
    body, no query string, JSON accepted (what the size limits, DRF's content negotiation and
    its format suffixes would otherwise have a say in)."""
    room = ROOM_PATH.match(request.path_info)
    meta = request.META
    if (
        room is None
        or request.method not in ("GET", "POST")
        or meta.get("QUERY_STRING")
        or meta.get("CONTENT_LENGTH", "0") not in ("", "0")
        or not meta.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        or not any(kind in meta.get("HTTP_ACCEPT", "*/*") for kind in _JSON_TYPES)
    ):
        return None
    return int(room.group(1))


def _bare_json(request):
    return HttpResponse(content_type="application/json")


def _header_pairs(items) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), str(value).encode("latin-1")) for name, value in items]


class RoomEdge:
    """The ASGI application. An answer blocks on Redis (and, rarely, on PostgreSQL: a room whose
    settings Redis lost, an event without a room), so it runs in a pool of threads; Django
    refuses database calls on the event loop's own thread."""

    def __init__(self, threads: int | None = None):
        self.threads = threads or settings.TICKETING["ROOM_EDGE_THREADS"]
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="room-edge")
        self.chain = build_chain()
        self.header_chain = build_chain(HEADER_MIDDLEWARE, _bare_json)
        self.fixed_headers: dict[bool, list] = {}  # HTTPS or not -> the header middlewares'

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"the room's server speaks HTTP only, not {scope['type']}")
        body = await self._body(receive)
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(
            self.executor, self.respond, scope, body
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def respond(self, scope, body: bytes):
        """One request: the common case answered directly; anything else through the chain, as
        Django's handlers do it: request_started (old database connections closed), the
        response, request_finished (when it is closed)."""
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            answered = self._common_answer(request)
        except Exception:
            # A bug: the chain answers the request again, as the shop would answer the failure
            # (the 500 in the API's shape, its headers, the log line, Sentry).
            logger.exception("room answer failed; asked the chain")
            answered = None
        if answered is not None:
            return answered
        signals.request_started.send(sender=self.__class__, scope=scope)
        response = self.chain(request)
        try:
            headers = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in response.items()
            ]
            headers += [
                (b"set-cookie", cookie.output(header="").strip().encode("latin-1"))
                for cookie in response.cookies.values()
            ]
            return response.status_code, headers, response.content
        finally:
            response.close()

    def _fixed_headers(self, request):
        """What the header middlewares add to an API answer for a request like this one (taken
        from them the first time, for HTTPS and for plain HTTP); None where they would answer
        themselves (the redirect to HTTPS)."""
        secure = request.is_secure()
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        if secure not in self.fixed_headers:
            response = self.header_chain(request)
            if response.status_code != 200:
                return None
            self.fixed_headers[secure] = _header_pairs(
                (name, value) for name, value in response.items() if name != "Content-Type"
            )
        return self.fixed_headers[secure]

    def _common_answer(self, request):
        """A join or status call with a valid bearer token, answered with what the chain and
        the view would give it, at a fraction of the CPU; None for anything else."""
        event_id = _common_case(request)
        fixed = None if event_id is None else self._fixed_headers(request)
        if fixed is None:
            return None
        try:
            found = _authenticator.authenticate(request)
        except APIException:
            return None  # the view says why, in the shop's words
        request.user = found[0]
        request_id = request_id_of(request)
        language = translation.get_language_from_request(request)
        token = request_id_var.set(request_id)
        try:
            with translation.override(language):
                try:
                    status, document, headers = room_answer(
                        request, event_id, join=request.method == "POST"
                    )
                except ShopError as exc:
                    status, document, headers = shop_error_answer(exc)
        finally:
            request_id_var.reset(token)
        content = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        answer_headers = _header_pairs(
            [
                ("Content-Type", "application/json"),
                *headers.items(),
                ("Allow", _allow),
                ("Content-Language", language),
                ("Vary", "Accept-Language"),
                ("X-Request-ID", request_id),
            ]
        )
        return status, answer_headers + fixed, content.encode()

    @staticmethod
    async def _body(receive) -> bytes:
        """The request's body; past the API's limit the rest is not kept (the size limit's
        middleware refuses such a request from its Content-Length)."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**20
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            if size + len(chunk) <= limit:
                chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
