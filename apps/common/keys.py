"""Which secret keys are unfit for production: the ones in this repository (anyone who read it
could sign sessions, password-reset links and JWTs with them) and obvious placeholders. Read
by the production settings, which refuse to start with one, and by `check --deploy`. Plain
Python: the settings import it before Django is set up."""

# Every key that appears in the repository (settings defaults, .env.example, docker-compose,
# the Dockerfile's build step). Add any new sample key here.
REPOSITORY_KEYS = frozenset(
    {
        "insecure-dev-key-change-me-" + "x" * 24,
        "change-me-to-50-or-more-random-characters-xxxxxxxxxxxxxxxxxxxx",
        "compose-demo-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
        "collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "change-me-to-another-50-or-more-random-characters-xxxxxxxxxxxxxx",
    }
)
_PLACEHOLDER_WORDS = (
    "change-me",
    "changeme",
    "change_me",
    "insecure",
    "example",
    "placeholder",
    "not-a-secret",
    "your-secret",
    "secret-key",
    "xxxxxxxx",
    "0123456789",
    "abcdefgh",
)
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5


def key_problem(value: str | None) -> str | None:
    """Why `value` must not sign anything in production, or None when it may."""
    if not value:
        return "is not set"
    if value in REPOSITORY_KEYS:
        return "is a key published in the repository"
    if len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(value)) < MIN_UNIQUE_CHARACTERS:
        return "is not random (too few different characters)"
    lowered = value.lower()
    for word in _PLACEHOLDER_WORDS:
        if word in lowered:
            return f"looks like a placeholder (contains {word!r})"
    return None


HOW_TO_MAKE_ONE = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
