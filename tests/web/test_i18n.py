"""Every text the pages translate has its French line, and its {fields} survive the translation."""

from __future__ import annotations

import re
from pathlib import Path

from atelier.web.i18n import catalogue, language_of, translate

WEB = Path(__file__).parents[2] / "src" / "atelier" / "web"
# t("…") / t('…') in templates and modules, and reader.t("…") in modules.
CALL = re.compile(r"""\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _texts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            found.setdefault(text.encode().decode("unicode_escape") if "\\" in text else text, str(path))
    return found


def test_every_translated_text_has_a_french_line() -> None:
    french = catalogue("fr")
    missing = {text: where for text, where in _texts().items() if text not in french}
    assert not missing, f"{len(missing)} texts without French: {sorted(missing.items())[:20]}"


def test_french_lines_keep_the_fields_of_the_english_text() -> None:
    field = re.compile(r"\{(\w+)\}")
    for english, french in catalogue("fr").items():
        assert set(field.findall(english)) == set(field.findall(french)), english


def test_a_visitor_gets_their_browsers_language_unless_they_chose() -> None:
    assert language_of("fr-FR,fr;q=0.9,en;q=0.8", None) == "fr"
    assert language_of("de-DE,en;q=0.5", None) == "en"
    assert language_of("fr-FR", "en") == "en"
    assert translate("fr", "Log in") == "Se connecter"
    assert translate("fr", "a text nobody wrote") == "a text nobody wrote"
