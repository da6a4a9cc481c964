"""Messages go through gettext so other locales can follow; the source language is pt-BR.

Source strings are written in pt-BR (the product's first language); a catalogue for another
locale translates from them. `_` is the only name the rest of the code needs.
"""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "quita"

_translation: _gettext.NullTranslations = _gettext.NullTranslations()


def set_locale(locale: str | None) -> None:
    """Switch the process-wide catalogue. pt_BR (or None) means the source strings."""
    global _translation
    if not locale or locale.replace("-", "_") == "pt_BR":
        _translation = _gettext.NullTranslations()
        return
    _translation = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=True)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
