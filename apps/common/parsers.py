"""The API's JSON parser: DRF's, bounded. Deeply nested JSON made DRF's parser (or whatever walked
the data next) raise RecursionError, a 500 on every JSON endpoint; a body larger than
DATA_UPLOAD_MAX_MEMORY_SIZE is refused too (DRF reads the stream, not `request.body`, so
Django's own limit never applied)."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from .errors import ShopError

# No request of this API nests deeper than a few levels; this leaves room for any client.
MAX_DEPTH = 32


class RequestTooLarge(ShopError):
    status_code = 413
    code = "request_too_large"
    default_detail = gettext_lazy("The request body is too large.")


def _depth(data) -> int:
    """How deep containers nest in `data`, walked without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((item, depth + 1) for item in value)
    return deepest


def _nested_too_deep() -> str:
    return _("JSON nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=strict_constant)
        except RecursionError:
            raise ParseError(_nested_too_deep()) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        # Only a body with many brackets can nest deeply: the walk is for those alone.
        if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(data) > MAX_DEPTH:
            raise ParseError(_nested_too_deep())
        return data
