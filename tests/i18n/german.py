"""What a German reader sees of a page or an e-mail, and which of it is still English: every
message of the catalogue whose German differs is looked for, in English, in the text a reader
sees or hears (tests/i18n/marking.py's reading of the HTML)."""

import re
from functools import cache

import polib
from django.conf import settings

from .marking import _ReadText

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@cache
def english_messages() -> tuple[tuple[str, re.Pattern], ...]:
    """(msgid, how it reads in English) for each message German writes otherwise. Variables in
    a message match any text; a message of one or two words must be the whole of a piece of
    text ("Events" the link, not "Events" inside an event's title)."""
    found = []
    for domain in ("django", "djangojs"):
        path = settings.BASE_DIR / "locale" / "de" / "LC_MESSAGES" / f"{domain}.po"
        for entry in polib.pofile(str(path)).translated_entries():
            german = entry.msgstr or entry.msgstr_plural.get(0, "")
            english = " ".join(entry.msgid.split())
            literal = PLACEHOLDER.sub("", english)
            if german.split() == english.split() or not re.search(r"[A-Za-z]{3,}", literal):
                continue
            if entry.msgctxt and "format" in entry.msgctxt:
                continue  # a date format, not words
            parts = [re.escape(part) for part in PLACEHOLDER.split(english)]
            body = r".+?".join(parts)
            # Whole words: "%(n)s ticket" is not in "write to tickets@example.com".
            if re.match(r"\w", english):
                body = r"\b" + body
            if re.search(r"\w$", english):
                body += r"\b"
            if len(english.split()) <= 2 and not PLACEHOLDER.search(english):
                pattern = re.compile(rf"^{body}$", re.MULTILINE)
            else:
                pattern = re.compile(body)
            found.append((entry.msgid, pattern))
    return tuple(found)


def read_text(html: str) -> str:
    """The pieces of text of a page or an HTML e-mail a reader meets, one per line."""
    parser = _ReadText()
    parser.feed(html)
    parser.close()
    pieces = (" ".join(piece.split()) for piece in parser.found)
    return "\n".join(piece for piece in pieces if piece)


def english_left(text: str) -> list[str]:
    """The catalogue's messages that `text` (a plain-text body, or read_text of HTML) shows in
    English."""
    text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    return [msgid for msgid, pattern in english_messages() if pattern.search(text)]
