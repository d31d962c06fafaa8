"""Production: PostgreSQL + Redis behind gunicorn. Refuses to start with development secrets."""

import os

from django.core.exceptions import ImproperlyConfigured

from apps.common.keys import HOW_TO_MAKE_ONE, key_problem

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, env_bool, env_int, env_list

# Both keys sign things a forger wants: sessions and reset links (SECRET_KEY), API tokens of any
# user, staff included (JWT_SIGNING_KEY). Neither may be a key anyone could read.
for _name in ("SECRET_KEY", "JWT_SIGNING_KEY"):
    _problem = key_problem(os.environ.get(_name))
    if _problem:
        raise ImproperlyConfigured(f"{_name} {_problem}; {HOW_TO_MAKE_ONE}")
if os.environ["JWT_SIGNING_KEY"] == os.environ["SECRET_KEY"]:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from SECRET_KEY; " + HOW_TO_MAKE_ONE)
SIMPLE_JWT["SIGNING_KEY"] = os.environ["JWT_SIGNING_KEY"]
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this shop serves.")

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
LOG_JSON = env_bool("LOG_JSON", True)
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_JSON else "plain"  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# /metrics is for the scraper only: set METRICS_ALLOWED_IPS (comma separated) to open it.
METRICS_PUBLIC = False
