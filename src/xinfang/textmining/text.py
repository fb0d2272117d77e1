"""Text normalisation shared by every text-mining step: one form of each character.

NFKC folds full-width Latin letters, digits and punctuation (ＡＢＣ１２３，) to their ASCII
forms and compatibility ideographs to the unified ones; Latin is lower-cased so that search,
shingles and the model see "A3区" and "ａ３区" as the same word.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\ufeff]")
_SPACE = re.compile(r"\s+")
# Excel writes a carriage return inside a cell as "_x000D_"; ledgers imported from Excel keep it.
_EXCEL_ESCAPE = re.compile(r"_x000[0-9a-f]_", re.IGNORECASE)
# Seven or more digits, maybe grouped by hyphens or spaces, maybe ending in x: phone numbers,
# identity and account numbers. Personal identifiers never reach an index in clear (DESIGN.md,
# "the petitioner is protected"), so they are cut out of the text before tokenising.
_IDENTIFIER = re.compile(r"(?<![\d])\d(?:[ -]?\d){6,}x?(?![\dx])")


def normalise(text: str | None) -> str:
    """Return `text` in NFKC, lower-cased, without control characters, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", _EXCEL_ESCAPE.sub(" ", text))
    return _SPACE.sub(" ", text).strip().lower()


def mask_identifiers(text: str) -> str:
    """Replace every phone, identity or account number in normalised `text` with a space."""
    return _IDENTIFIER.sub(" ", text)
