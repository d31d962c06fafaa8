from django.conf import settings


def shop(request):
    provider = settings.TICKETING["PAYMENT_PROVIDER"]
    return {"SANDBOX_PAYMENTS": provider.endswith("SandboxProvider")}
