"""The waiting room's own server: an ASGI app (run by uvicorn, `ticketing/room_asgi.py`) that
answers `GET` and `POST /api/v1/events/<id>/room` as the shop does, without the rest of the shop
in front of it.

A crowd of 10,000 joining within ten seconds is a thousand requests a second of one cheap
answer. Through gunicorn and the whole middleware stack each cost ~3.3 ms of CPU (gunicorn's
threaded worker ~1.2 ms, the stack ~1.2 ms, the room's own work under 1 ms), so on two cores
the joins queued for half a minute. Here the room's own answer (`apis.room_answer`: the join's
rate limit, the Redis script, the JSON) runs behind the few middlewares whose headers or
refusals an API client sees, on uvicorn's C parser, in a small pool of threads (the answer
waits on Redis). Sessions, CSRF, messages, static files, django-axes and the URL resolver are
left out: nothing of them touches this API. Whatever is not the common case (no token or a bad
one, another method, an odd Accept) goes to the DRF view itself. The answers are the shop's own
(tests/waitingroom/test_edge.py compares them), so a proxy may send these paths to either.

`/healthz`, `/readyz` and `/metrics` are the shop's views, for the load balancer and Prometheus;
any other path is a 404 in the API's error shape."""

import asyncio
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from apps.common import health, metrics_view
from apps.common.api_errors import shop_error_answer
from apps.common.errors import ShopError

from .apis import RoomApi, room_answer

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


def _room(request, event_id: int):
    """The common case without DRF's dispatch: a GET or POST with a valid bearer token, its
    answer from the view's own `room_answer`, written as DRF's JSON renderer writes it. Anything
    else (no token or a bad one, another method, an Accept the API cannot serve, a query
    string) goes to the view itself, which answers it as the shop does."""
    meta = request.META
    accept = meta.get("HTTP_ACCEPT", "*/*")
    if (
        request.method not in ("GET", "POST")
        or meta.get("QUERY_STRING")
        or not any(kind in accept for kind in _JSON_TYPES)
    ):
        return _room_view(request, event_id=event_id)
    try:
        found = _authenticator.authenticate(request)
    except APIException:
        found = None
    if found is None:
        return _room_view(request, event_id=event_id)
    request.user = found[0]
    try:
        status, document, headers = room_answer(request, event_id, join=request.method == "POST")
    except ShopError as exc:
        status, document, headers = shop_error_answer(exc)
    content = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    response = HttpResponse(content, status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    response["Allow"] = _allow
    return response


def _view(request):
    """The innermost step: the view for the path, its response rendered (as Django's handler
    renders a DRF response before the middlewares see it)."""
    room = ROOM_PATH.match(request.path_info)
    if room is not None:
        response = _room(request, int(room.group(1)))
    else:
        response = _plain_views.get(request.path_info, _not_here)(request)
    if callable(getattr(response, "render", None)):
        response = response.render()
    return response


def build_chain(middleware=MIDDLEWARE):
    """The middlewares around `_view`, each wrapped as Django's handler wraps them, so that an
    exception anywhere becomes the response Django would give (and reaches Sentry the same
    way, through got_request_exception)."""
    handler = convert_exception_to_response(_view)
    for path in reversed(middleware):
        handler = convert_exception_to_response(import_string(path)(handler))
    return handler


class RoomEdge:
    """The ASGI application. An answer blocks on Redis (and, rarely, on PostgreSQL: a room whose
    settings Redis lost, an event without a room), so it runs in a pool of threads; Django
    refuses database calls on the event loop's own thread."""

    def __init__(self, threads: int | None = None):
        self.threads = threads or settings.TICKETING["ROOM_EDGE_THREADS"]
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="room-edge")
        self.chain = build_chain()

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
        """One request through the chain, as Django's handlers do it: request_started (old
        database connections closed), the response, request_finished (when it is closed)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request = ASGIRequest(scope, io.BytesIO(body))
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
