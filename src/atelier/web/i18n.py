"""English and French on the pages: English text is the key, ``locales/fr/*.json`` hold French.

Each area of the pages keeps its own file (``today.json``, ``forge.json`` …); they are merged once.
``tests/web/test_i18n.py`` checks that every text the templates and page modules translate has its
French line, so a page cannot ship half in English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr")
LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = LOCALES / language
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translate(language: str, text: str, /, **values: object) -> str:
    """``text`` in ``language`` (English when no line exists), with ``{name}`` fields filled in."""
    line = catalogue(language).get(text, text) if language != "en" else text
    return line.format(**values) if values else line


def language_of(accept_language: str | None, cookie: str | None) -> str:
    """A visitor's language before they log in: their choice on the login page, else the browser's."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
