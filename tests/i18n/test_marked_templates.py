"""Every word a template shows is inside a translation tag (tests/i18n/marking.py says how it
is found), so the German catalogue can cover it."""

from pathlib import Path

import pytest
from django.conf import settings

from .marking import unmarked_text

TEMPLATES = sorted(
    path
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*")
    if path.suffix in {".html", ".txt"}
)


def test_the_templates_are_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_text_outside_translation_tags(path):
    assert unmarked_text(path) == []


def test_the_check_sees_unmarked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{% translate "Events" %}</h1><p title="Seat map">{{ event.title }} is on</p>'
        "{% blocktranslate trimmed with n=count %}{{ n }} seats{% endblocktranslate %}"
        '<script>var x = "Hold seats";</script><input type="submit" value="Pay now">'
    )
    assert unmarked_text(page) == ["Seat map", "… is on", "Pay now"]
