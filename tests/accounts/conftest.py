from tests.mailserver import _smtp_controller, smtp_server  # noqa: F401 - fixtures
