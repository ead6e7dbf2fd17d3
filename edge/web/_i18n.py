"""Translations for the register pages: gettext catalogs (``i18n/<lang>/LC_MESSAGES/messages.po``) compiled in
memory at first use, so the repository carries only the text catalogs and no build step can leave a stale ``.mo``.
Russian is the default; English is the source language and always available.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

I18N_DIR = Path(__file__).parent / "i18n"
DEFAULT_LANGUAGE = "ru"
LANGUAGES: dict[str, str] = {"ru": "Русский", "en": "English"}
LANG_COOKIE = "yago_lang"


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog for ``lang``; unknown languages and English fall back to the source strings."""
    po_path = I18N_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def pick_language(query: str | None, cookie: str | None) -> str:
    """The page language: an explicit ``?lang=``, then the cookie, then the box default (Russian).

    ``Accept-Language`` is ignored on purpose: the kiosk Chromium's locale says nothing about the staff.
    """
    for candidate in (query, cookie):
        if candidate and candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
