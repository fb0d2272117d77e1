"""Where a search's terms occur in a text, for highlighting: spans, a snippet, safe HTML.

Terms are matched as the index matches them: on the normalised text (NFKC, lower case), so
"ＡＢ" in a case is marked for "ab" in the box; the spans point into the original text, which
is what the page shows. Identifiers (phones, identity numbers) are never shown in a
snippet: they are replaced by `MASK` before anything is marked, as they are cut out of
the index. HTML is built by escaping every piece of text first and wrapping the matched
pieces in `<mark>` after, so a case's text can never inject markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence

MASK = "***"
_IDENTIFIER = re.compile(r"(?<![\d])\d(?:[ -]?\d){6,}[xX]?(?![\dxX])")


class _Folding(dict[int, str]):
    """Each character's folding (NFKC, lower case), learnt as met, for `str.translate`: a
    whole text is then folded in C. A case's content runs to thousands of characters and a
    searched ledger page folds every row's; character by character in Python was most of it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = unicodedata.normalize("NFKC", chr(code)).lower()
        return folded


_FOLDING = _Folding()


def _normalised_with_map(text: str) -> tuple[str, Sequence[int]]:
    """`text` normalised character by character, and for each normalised character the
    index of the original one it came from."""
    folded = text.translate(_FOLDING)
    if len(folded) == len(text):  # no character folds to nothing: each folded to one
        return folded, range(len(text))
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin += [i] * len(_FOLDING[ord(ch)])
    return folded, origin


def spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """The (start, end) ranges of `text` where any term occurs, merged, in order. Longer
    terms win where two start at the same place."""
    terms = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not text or not terms:
        return []
    folded, origin = _normalised_with_map(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    found: list[tuple[int, int]] = []
    for m in pattern.finditer(folded):
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]))
        else:
            found.append((start, end))
    return found


def mask(text: str | None) -> str:
    """`text` with every phone, identity or account number replaced by `MASK`."""
    return _IDENTIFIER.sub(MASK, text or "")


def marked_html(text: str | None, terms: Iterable[str]) -> str:
    """`text` escaped for HTML, each occurrence of a term wrapped in `<mark>`."""
    text = text or ""
    out: list[str] = []
    at = 0
    for start, end in spans(text, terms):
        out.append(html.escape(text[at:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def snippet(text: str | None, terms: Iterable[str], *, width: int = 80) -> str:
    """About `width` characters of `text` around its first matching term (identifiers
    masked, spaces collapsed), with "…" where it was cut; the start when nothing matches."""
    terms = list(terms)
    text = " ".join(mask(text).split())
    if len(text) <= width:
        return text
    found = spans(text, terms)
    start = max(0, found[0][0] - width // 4) if found else 0
    end = min(len(text), start + width)
    start = max(0, end - width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def snippet_html(text: str | None, terms: Iterable[str], *, width: int = 80) -> str:
    """`snippet` as safe HTML with the terms marked."""
    terms = list(terms)
    return marked_html(snippet(text, terms, width=width), terms)
