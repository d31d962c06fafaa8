import pytest

from tests.mailserver import SmtpServer, free_port, point_email_at


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server the shop sends to for this test."""
    server = SmtpServer().start()
    point_email_at(settings, server.port)
    yield server
    server.stop()


@pytest.fixture
def dead_smtp(settings):
    """The shop's mail server is down: nothing listens on its port."""
    point_email_at(settings, free_port())


@pytest.fixture
def eager_retries():
    """Eager Celery (the tests' mode) with the test settings' CELERY_TASK_EAGER_PROPAGATES
    raises a task's first retry at the caller instead of running it; with propagation off,
    Celery's eager `apply` runs each retry at once (the backoff's waits skipped), so a test can
    see every attempt."""
    from ticketing.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before
