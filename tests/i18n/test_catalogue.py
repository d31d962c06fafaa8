"""The German catalogues are complete and current: every message the code, the templates and
the scripts mark has a German translation, nothing is left fuzzy, and the committed .mo files
are what the .po files compile to. `make messages` mends the last two."""

import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = settings.BASE_DIR / "locale"
DOMAINS = ("django", "djangojs")
MAKE_MESSAGES = "run `make messages`, translate what it added, commit locale/"


def _catalogue(domain, root=LOCALE):
    return polib.pofile(str(root / "de" / "LC_MESSAGES" / f"{domain}.po"))


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_german_translation(domain):
    catalogue = _catalogue(domain)
    assert len(catalogue) > (400 if domain == "django" else 30)
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert catalogue.metadata["Language"] == "de"


@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_survive_translation(domain):
    """A translation that loses or renames `%(left)s` (or DRF's `{min_value}`) would fail at
    run time ("KeyError") or show the wrong number."""
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
    for entry in _catalogue(domain).translated_entries():
        wanted = sorted(placeholder.findall(entry.msgid))
        for text in (
            [entry.msgstr, *entry.msgstr_plural.values()] if entry.msgstr_plural else [entry.msgstr]
        ):
            # A plural's singular may say "one" instead of the number.
            found = sorted(placeholder.findall(text))
            assert set(found) <= set(wanted + placeholder.findall(entry.msgid_plural or "")), (
                entry.msgid,
                text,
            )
            if not entry.msgid_plural:
                assert found == wanted, (entry.msgid, text)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_the_current_one(domain):
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in _catalogue(domain).translated_entries()
    }
    compiled_file = LOCALE / "de" / "LC_MESSAGES" / f"{domain}.mo"
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(compiled_file))
        if e.msgid
    }
    assert compiled == source, MAKE_MESSAGES


def test_the_catalogue_holds_every_marked_message(tmp_path, settings, monkeypatch):
    """makemessages, run over a copy of the marked sources and of locale/, finds no message the
    committed catalogue lacks (a newly marked string) and none it holds for nothing. A copy,
    because makemessages writes the catalogue it updates."""
    for part in ("apps", "ticketing", "templates", "static/js", "locale"):
        shutil.copytree(settings.BASE_DIR / part, tmp_path / part)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    ignore = ["node_modules"]
    for domain in DOMAINS:
        call_command(
            "makemessages",
            locale=["de"],
            domain=domain,
            ignore_patterns=ignore,
            no_obsolete=True,
            add_location="file",
            verbosity=0,
        )
        fresh = {(e.msgctxt, e.msgid) for e in _catalogue(domain, tmp_path / "locale")}
        committed = {(e.msgctxt, e.msgid) for e in _catalogue(domain)}
        assert sorted(fresh - committed, key=str) == [], MAKE_MESSAGES
        assert sorted(committed - fresh, key=str) == [], MAKE_MESSAGES
