"""Text people type: what a one-line field refuses, what a longer text keeps, and how any stored
text becomes a safe email header.

Control characters (C0, DEL and C1, line breaks and tabs among them) and the bidirectional
embeddings and overrides (U+202A to U+202E) can hide or reorder what is around them. The
bidirectional isolates (U+2066 to U+2069) stay: Arabic and Hebrew need them, and they cannot
reach outside the text they wrap.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")
LINE_SEPARATORS = frozenset("\u2028\u2029")

ONE_LINE_MESSAGE = _(
    "This needs to fit on one line: please take out any line breaks, tabs or invisible "
    "formatting characters."
)


def _is_control(character: str) -> bool:
    return unicodedata.category(character) == "Cc"


def _breaks_a_line(character: str) -> bool:
    return _is_control(character) or character in OVERRIDES or character in LINE_SEPARATORS


def is_one_line(value: str) -> bool:
    """True when the text holds no control character, line separator or bidi override."""
    return not any(_breaks_a_line(character) for character in value)


def validate_one_line(value: str) -> None:
    """Refuse text meant for one line that holds line breaks, tabs or hidden controls."""
    if not is_one_line(value):
        raise ValidationError(ONE_LINE_MESSAGE, code="one_line")


def clean_long_text(value: str) -> str:
    """Keep line breaks (as \\n) and tabs; drop every other control character and override."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        character
        for character in value
        if character in "\n\t" or not (_is_control(character) or character in OVERRIDES)
    )


def header_line(value: str) -> str:
    """One line safe for an email header: breaks and controls become single spaces, overrides
    go, and the ends are trimmed."""
    kept = (character for character in value if character not in OVERRIDES)
    spaced = "".join(" " if _breaks_a_line(character) else character for character in kept)
    return " ".join(spaced.split())


def looks_like(value: str) -> str:
    """What a name looks like on screen: any case, any spacing, no invisible marks."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) not in {"Cf", "Cc"})
    return " ".join(visible.split())


def comparable(value: str) -> str:
    """What a name reads as, for telling two names apart: its letters and digits, any case."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(character for character in folded if character.isalnum())
