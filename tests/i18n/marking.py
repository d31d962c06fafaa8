"""Finds text in the shop's templates that no translation tag covers: what a German reader
would see in English however complete the catalogue is.

A template is cut by Django's own lexer. Tags and variables become a placeholder, and so does
everything between {% blocktranslate %} and its end (it is a message) or inside {% comment %}.
What is left is fed to an HTML parser, which reports the text between tags (outside <script>
and <style>) and the attributes a person reads or hears (title, alt, placeholder, aria-label,
a button's value). Any of those with a word left in it is unmarked."""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PLACEHOLDER = "\x00"
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "content"}
# Names, not words of a language: the shop's brand, and what the switcher shows as a code.
NOT_WORDS = {"Ticketing", "EN", "DE", "QR", "PDF", "CSV", "ID"}
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")
# Template blocks whose content is markup a reader never sees: CSS class names, the head.
UNREAD_BLOCKS = {"bodyclass", "extrastyle", "extrahead", "coltype"}


def _template_text(source: str) -> str:
    """The template with every tag, variable and message replaced by a placeholder."""
    out, skipping = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(None, 1)[0] if token.contents else ""
            if skipping:
                if name == skipping:
                    skipping = None
                continue
            if name in {"blocktranslate", "blocktrans"}:
                skipping = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skipping = "endcomment"
            elif (
                name == "block"
                and token.contents.split()[1:2]
                and (token.contents.split()[1] in UNREAD_BLOCKS)
            ):
                skipping = "endblock"
            out.append(PLACEHOLDER)
        elif skipping:
            continue
        elif token.token_type == TokenType.TEXT:
            out.append(token.contents)
        else:
            out.append(PLACEHOLDER)
    return "".join(out)


class _ReadText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            readable = name in READ_ATTRIBUTES and (
                name != "content" or attributes.get("name") == "description"
            )
            is_button_label = name == "value" and attributes.get("type") in {"submit", "button"}
            if readable or is_button_label:
                self.found.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in {"script", "style"}:
            self._hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self.found.append(data)


def unmarked_text(path: Path) -> list[str]:
    """The pieces of `path` a reader sees that carry words outside any translation tag."""
    parser = _ReadText()
    parser.feed(_template_text(path.read_text()))
    parser.close()
    pieces = []
    for text in parser.found:
        words = [w for w in WORD.findall(text.replace(PLACEHOLDER, " ")) if w not in NOT_WORDS]
        if words:
            pieces.append(" ".join(text.replace(PLACEHOLDER, "…").split()))
    return pieces
