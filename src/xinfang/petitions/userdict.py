"""Every process cuts with the user dictionary in the database: the bundled words plus the
`DictionaryWord` rows, in the order added. A process looks at the table at most every few
seconds (and at once after its own change), and brings its tokeniser in step when the
fingerprint differs; the search index is then recomputed in the background
(petitions/dictionary.py), as documents cut with the old words miss the new ones."""

from __future__ import annotations

import threading
import time

from xinfang.petitions.dictionary_models import DictionaryWord
from xinfang.textmining.tokeniser import (
    UserWord,
    default_tokeniser,
    default_tokeniser_use,
    fingerprint_of,
)

# How often a process looks for words added by another (seconds).
CHECK_EVERY = 5.0

_lock = threading.Lock()
_checked_at: float | None = None


def dictionary_words() -> list[UserWord]:
    """The user dictionary's entries, in the order they were added."""
    return [
        UserWord(word, freq, tag or None)
        for word, freq, tag in DictionaryWord.objects.order_by("pk").values_list(
            "word", "freq", "tag"
        )
    ]


def dictionary_fingerprint() -> str:
    """The fingerprint of the dictionary in the database (what every process should cut with)."""
    return fingerprint_of(dictionary_words())


def dictionary_sync(*, force: bool = False) -> str:
    """Bring this process's tokeniser in step with the database (at most every CHECK_EVERY
    seconds unless forced); returns the fingerprint it cuts with."""
    global _checked_at
    now = time.monotonic()
    with _lock:
        if not force and _checked_at is not None and now - _checked_at < CHECK_EVERY:
            return default_tokeniser().fingerprint
        _checked_at = now
    words = dictionary_words()
    if fingerprint_of(words) != default_tokeniser().fingerprint:
        default_tokeniser_use(words)
    return default_tokeniser().fingerprint


def dictionary_forget() -> None:
    """Cut with the bundled words only and look at the table again on the next sync (tests)."""
    global _checked_at
    with _lock:
        _checked_at = None
    default_tokeniser_use([])
