"""`manage.py check --deploy`: the signing keys must not be ones anyone could read (the
production settings refuse to start with them; this says so for any other settings module)."""

from django.conf import settings
from django.core import checks

from .keys import HOW_TO_MAKE_ONE, key_problem


@checks.register(checks.Tags.security, deploy=True)
def signing_keys(app_configs=None, **kwargs):
    errors = []
    jwt_key = settings.SIMPLE_JWT.get("SIGNING_KEY")
    for name, value, ident in (
        ("SECRET_KEY", settings.SECRET_KEY, "common.E001"),
        ("SIMPLE_JWT['SIGNING_KEY'] (JWT_SIGNING_KEY)", jwt_key, "common.E002"),
    ):
        problem = key_problem(value)
        if problem:
            errors.append(checks.Error(f"{name} {problem}.", hint=HOW_TO_MAKE_ONE, id=ident))
    if jwt_key == settings.SECRET_KEY:
        errors.append(
            checks.Error(
                "JWT_SIGNING_KEY is SECRET_KEY: whoever learns one can forge API tokens.",
                hint="Set JWT_SIGNING_KEY to a key of its own; " + HOW_TO_MAKE_ONE,
                id="common.E003",
            )
        )
    return errors
