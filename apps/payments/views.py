"""The gateways' webhook endpoints: POST /webhooks/stripe/ and /webhooks/sandbox/. Thin: the
signature, the storage and what an event does are apps.payments.webhooks."""

import logging

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import webhooks
from .providers.base import InvalidSignature, get_provider

logger = logging.getLogger(__name__)


@csrf_exempt  # signed by the gateway instead
@require_POST
def webhook(request, provider_name):
    provider = get_provider()
    if provider.name != provider_name:
        return HttpResponse(status=404)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        outcome = webhooks.receive(provider, payload=request.body, signature=signature)
    except InvalidSignature:
        logger.warning("webhook refused: bad signature provider=%s", provider_name)
        return HttpResponseBadRequest("invalid signature")
    except (ValueError, KeyError, TypeError):
        logger.warning("webhook refused: unreadable payload provider=%s", provider_name)
        return HttpResponseBadRequest("unreadable payload")
    return JsonResponse({"received": True, "outcome": outcome})
