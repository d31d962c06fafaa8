from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import NotFound


def _is_api(request) -> bool:
    # Django answers unknown URLs and crashes itself, outside DRF: API clients still get the
    # API's JSON error shape instead of an HTML page.
    return request.path.startswith("/api/")


def bad_request(request, exception=None, message: str = ""):
    """Django's own 400s (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields) and the
    pages' refusals of input they cannot read: JSON for API clients, a page for browsers."""
    if _is_api(request):
        return JsonResponse(
            {"code": "bad_request", "detail": message or _("The request could not be read.")},
            status=400,
        )
    return render(request, "400.html", {"message": message}, status=400)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            {"code": "not_found", "detail": _("There is no API endpoint at this address.")},
            status=404,
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {
                "code": "server_error",
                "detail": _("Something went wrong on our side; please try again."),
                "request_id": getattr(request, "request_id", None),
            },
            status=500,
        )
    return render(request, "500.html", status=500)


def or_404(read, *args, **kwargs):
    """What `read` returns; a page answers the service's NotFound with its 404 page."""
    try:
        return read(*args, **kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from None
