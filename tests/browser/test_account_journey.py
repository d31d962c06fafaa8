"""A buyer who forgot their password, in a real Chromium at desktop and phone sizes (issue 16,
item 8): "Forgot password?" on the login page, the e-mail through a real SMTP server, the link,
a new password, logging in with it, the account page (a new login address, a wrong current
password refused), and the used link refused. Screenshots of each step in test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.mailserver import _smtp_controller, links, smtp_server, text_and_html  # noqa: F401

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new pass phrase 42"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_forgotten_password_to_a_new_one_and_the_account_page(
    browsers,
    artifacts,
    smtp_server,  # noqa: F811 - the fixture imported above
    size,
):
    user = UserFactory(email=f"ada-{size}@example.com", full_name="Ada Lovelace")
    page = browsers.page(**SIZES[size])

    def shot(name):
        page.screenshot(path=str(artifacts / f"account-{name}-{size}.png"), full_page=True)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email address").fill(user.email.upper())
    shot("reset-request")
    page.get_by_role("button", name="Send me a link").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/sent/$"))
    expect(page.get_by_test_id("reset-sent")).to_contain_text("If an account exists")
    shot("reset-sent")

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == user.email
    text, html = text_and_html(message)
    (link,) = links(text)
    page.set_content(html)  # the HTML part as a mail client shows it
    expect(page.get_by_role("link", name="Choose a new password")).to_have_attribute("href", link)
    shot("reset-email")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("12345678")
    page.get_by_label("Repeat the new password").fill("12345678")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("This password is entirely numeric.")).to_be_visible()
    shot("reset-weak-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_test_id("message")).to_have_text("Your new password is set. Log in with it.")
    shot("reset-done")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    expect(page.get_by_test_id("account-email")).to_have_text(user.email)
    shot("page")

    new_email = f"ada-{size}@new.example.com"
    page.get_by_label("New email address").fill(new_email)
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the address").click()
    expect(page.get_by_test_id("message")).to_have_text(f"You now log in with {new_email}.")
    expect(page.get_by_test_id("account-email")).to_have_text(new_email)
    assert [m["To"] for m in smtp_server.wait_for(2)][1] == user.email  # the old address told

    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)  # the one before the reset
    page.get_by_label("New password", exact=True).fill("another fine pass phrase 7")
    page.get_by_label("Repeat the new password").fill("another fine pass phrase 7")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_test_id("password-errors")).to_be_visible()
    expect(page.get_by_text("This is not your current password.")).to_be_visible()
    shot("wrong-current-password")

    page.goto(link)
    expect(page.get_by_test_id("reset-invalid")).to_contain_text("used already")
    shot("reset-link-used")
