"""Chinese word cutting: jieba with a government-terms dictionary, stop words, normalisation.

One `Tokeniser` per process (`default_tokeniser()`), built on first use: jieba costs ~0.5 s
and ~70 MB to load, which a web process that never cuts text should not pay. Cutting is
deterministic: the same dictionary (bundled words, then the extra words in the order given)
and the same text always give the same tokens; `fingerprint` names the dictionary so that
stored token strings can be recomputed when it changes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from math import log
from typing import Any

from xinfang.textmining.freqtable import FrequencyTable
from xinfang.textmining.text import mask_identifiers, normalise

_WORD = re.compile(r"[^\W_]")  # a letter, digit or ideograph; punctuation-only tokens go
_MAX_WORD = 20


class UserDictError(ValueError):
    """A user-dictionary line that cannot be used; the message is Chinese, for the admin."""


@dataclass(frozen=True)
class UserWord:
    """One user-dictionary entry: the word, an optional jieba frequency and part of speech."""

    word: str
    freq: int | None = None
    tag: str | None = None

    def line(self) -> str:
        """The entry in jieba's `word freq tag` format."""
        return " ".join(str(x) for x in (self.word, self.freq, self.tag) if x is not None)


def _data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a bundled data file."""
    text = resources.files("xinfang.textmining").joinpath(f"data/{name}").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def parse_user_words(lines: Iterable[str]) -> list[UserWord]:
    """Parse user-dictionary lines (`word [freq] [tag]`, `#` comments, blank lines skipped).

    Raises:
        UserDictError: a line with a bad word, frequency or tag, naming the line.
    """
    words = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = normalise(parts[0])
        if not _WORD.search(word) or len(word) > _MAX_WORD or len(parts) > 3:
            raise UserDictError(f"第 {number} 行“{line}”不是有效的词条：应为“词语 [词频] [词性]”。")
        freq = tag = None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
            if not 0 < freq < 10**9:
                raise UserDictError(f"第 {number} 行“{line}”的词频应为正整数。")
        if rest:
            tag = rest.pop(0)
            if not tag.isascii() or not tag.isalpha() or rest:
                raise UserDictError(f"第 {number} 行“{line}”的词性应为英文字母（如 n、ns、v）。")
        words.append(UserWord(word, freq, tag))
    return words


@cache
def stop_words() -> frozenset[str]:
    """Function words dropped everywhere (bundled `data/stopwords.txt`)."""
    return frozenset(normalise(w) for w in _data_lines("stopwords.txt"))


@cache
def boilerplate_words() -> frozenset[str]:
    """Words nearly every petition uses; similarity and topic labels skip them."""
    return frozenset(normalise(w) for w in _data_lines("boilerplate.txt"))


@cache
def bundled_user_words() -> tuple[UserWord, ...]:
    """The government and petition terms shipped in `data/userdict.txt`."""
    return tuple(parse_user_words(_data_lines("userdict.txt")))


_bundled: tuple[FrequencyTable, int] | None = None
_bundled_lock = threading.Lock()


def _bundled_frequencies(cache_dir: str | None) -> tuple[FrequencyTable, int]:
    """jieba's bundled dictionary as a compact table (textmining/freqtable.py) and its total,
    loaded once per process: every tokeniser starts from the same arrays, shared, with its
    own words added beside them."""
    global _bundled
    with _bundled_lock:
        if _bundled is None:
            import jieba

            loader = jieba.Tokenizer()
            if cache_dir:
                loader.tmp_dir = cache_dir
            loader.initialize()
            _bundled = (FrequencyTable(loader.FREQ), loader.total)
    table, total = _bundled
    return table.fresh(), total


# Fragments whose frequency a jieba tokenizer remembers in a plain dict (`_memo_jieba`).
_MEMO_SIZE = 100_000
_UNSEEN = object()
# Words whose entry in the indexes (`_piece`) a tokenizer remembers: the real petitions
# use some 45,000 distinct words; about 5 MiB full.
_PIECES_SIZE = 60_000


@cache
def _memo_jieba() -> type:
    """jieba's Tokenizer with its precise cutting (`words`) in one pass per block: the route
    through the dictionary (jieba's `get_DAG` and `calc`) computed together, the words
    collected in one list, and the dictionary lookups through a dict of the fragments
    already looked up: the frequency table (`FrequencyTable`) answers in Python, which made
    lookups most of a cutting's time. The same answers: a fragment's frequency, None when
    absent; forgotten when a word is added and, past `_MEMO_SIZE` fragments, all at once."""
    import jieba
    from jieba import finalseg, re_han_default, re_skip_default

    class MemoTokenizer(jieba.Tokenizer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.memo: dict[str, int | None] = {}
            self.hmm_memo: dict[str, list[str]] = {}
            self.hmm_forced = len(finalseg.Force_Split_Words)
            self.pieces: dict[str, _Piece] = {}

        def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
            super().add_word(word, freq, tag)
            self.memo = {}
            self.hmm_memo = {}
            self.pieces = {}

        def _hmm_cut(self, buf: str) -> list[str]:
            """`finalseg.cut(buf)` (the HMM for runs of characters the dictionary does not
            join), remembered per run: a third of a cutting went there, on the same runs."""
            if len(self.hmm_memo) > _MEMO_SIZE or self.hmm_forced != len(
                finalseg.Force_Split_Words
            ):
                # Words added with frequency 0 (to any tokenizer) change what it cuts.
                self.hmm_memo = {}
                self.hmm_forced = len(finalseg.Force_Split_Words)
            words = self.hmm_memo.get(buf)
            if words is None:
                words = self.hmm_memo[buf] = list(finalseg.cut(buf))
            return words

        def words(self, text: str) -> list[str]:
            """`list(self.cut(text))` (jieba's precise mode with HMM) as one list: the
            blocks split as `cut` splits them, each run of ideographs and letters cut by
            `_cut_block`, without a generator per word."""
            self.check_initialized()
            out: list[str] = []
            for block in re_han_default.split(text):
                if not block:
                    continue
                if re_han_default.match(block):
                    self._cut_block(block, out)
                    continue
                for x in re_skip_default.split(block):
                    if re_skip_default.match(x):
                        out.append(x)
                    else:
                        out.extend(x)
            return out

        def _Tokenizer__cut_DAG(self, sentence: str) -> Iterator[str]:
            # jieba's precise cutting with HMM (Tokenizer.__cut_DAG), for its own callers.
            out: list[str] = []
            self._cut_block(sentence, out)
            yield from out

        def _cut_block(self, sentence: str, out: list[str]) -> None:
            """jieba's `__cut_DAG` of one block into `out`: the best route through the
            dictionary's words (`_route`), the runs of single characters looked up and cut
            through the memos."""
            end = self._route(sentence)
            n = len(sentence)
            x = 0
            single = -1  # where the current run of single characters started, -1: none
            while x < n:
                y = end[x] + 1
                if y - x == 1:
                    if single < 0:
                        single = x
                elif single < 0:
                    out.append(sentence[x:y])
                else:
                    self._singles(sentence[single:x], out)
                    single = -1
                    out.append(sentence[x:y])
                x = y
            if single >= 0:
                self._singles(sentence[single:], out)

        def _singles(self, buf: str, out: list[str]) -> None:
            """A run of characters the route left single: one character as it is; several
            as they are when the run is a dictionary word, else as the HMM cuts them."""
            if len(buf) == 1:
                out.append(buf)
                return
            freq = self.memo.get(buf, _UNSEEN)
            if freq is _UNSEEN:
                freq = self.memo[buf] = self.FREQ.get(buf)
            if freq:
                out.extend(buf)
            else:
                out.extend(self._hmm_cut(buf))

        def _route(self, sentence: str) -> list[int]:
            """jieba's `get_DAG` then `calc` in one pass from the end: for each position,
            where the best word starting there ends. The same route: the words starting at
            k are the fragments with a frequency, up to the first not in the dictionary
            (the single character when none), each scored log(freq) − log(total) plus the
            best score after it, the highest kept (the later end among equals, as
            `calc`'s max of (score, end) keeps)."""
            if len(self.memo) > _MEMO_SIZE:
                self.memo = {}
            memo, lookup = self.memo, self.FREQ.get
            n = len(sentence)
            logtotal = log(self.total)
            score = [0.0] * (n + 1)
            end = [0] * (n + 1)
            for k in range(n - 1, -1, -1):
                best: float | None = None
                best_end = k
                i = k + 1
                frag = sentence[k]
                while True:
                    freq = memo.get(frag, _UNSEEN)
                    if freq is _UNSEEN:
                        freq = memo[frag] = lookup(frag)
                    if freq is None:
                        break
                    if freq:
                        candidate = log(freq) - logtotal + score[i]
                        if best is None or candidate >= best:
                            best, best_end = candidate, i - 1
                    if i == n:
                        break
                    i += 1
                    frag = sentence[k:i]
                if best is None:  # no word starts here: the character alone, as log(1)
                    best = 0.0 - logtotal + score[k + 1]
                score[k], end[k] = best, best_end
            return end

    return MemoTokenizer


# What the indexes keep of one word jieba cut (`_piece`): True, the word alone (kept in
# both); False, nothing (a stop word or punctuation); or, for a compound with dictionary
# parts, the search index's words for it: the parts, then the word when it is kept (a part
# is shorter than its word, so the word is kept exactly when the tuple ends with it).
# The two common cases are shared constants, so remembering them costs only the dict entry.
_Piece = bool | tuple[str, ...]


def _piece(tk: Any, piece: str) -> _Piece:
    """A word's entry in the indexes: kept unless a stop word or punctuation; for the search
    index its dictionary parts of two then three characters (as jieba's cut_for_search
    gives them, stop words and punctuation left out), then the word itself when kept."""
    memo, lookup, stop = tk.memo, tk.FREQ.get, stop_words()
    indexed: list[str] = []
    size = len(piece)
    for n in (2, 3):
        if size > n:
            for i in range(size - n + 1):
                part = piece[i : i + n]
                freq = memo.get(part, _UNSEEN)
                if freq is _UNSEEN:
                    freq = memo[part] = lookup(part)
                if freq and part not in stop and _WORD.search(part):
                    indexed.append(part)
    kept = piece not in stop and _WORD.search(piece) is not None
    if not indexed:
        return kept
    if kept:
        indexed.append(piece)
    return tuple(indexed)


class Tokeniser:
    """Cuts normalised Chinese text into words; thread-safe once built."""

    def __init__(self, extra_words: Iterable[UserWord] = (), *, cache_dir: str | None = None):
        self._extra: list[UserWord] = []
        self._cache_dir = cache_dir
        self._jieba: Any = None
        self._lock = threading.Lock()
        self.add_words(extra_words)

    def _tokenizer(self) -> Any:
        """The jieba tokenizer with the bundled and extra words, built on first use."""
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tk = _memo_jieba()()
                    if self._cache_dir:
                        tk.tmp_dir = self._cache_dir
                    tk.FREQ, tk.total = _bundled_frequencies(self._cache_dir)
                    tk.initialized = True
                    for entry in (*bundled_user_words(), *self._extra):
                        tk.add_word(entry.word, entry.freq, entry.tag)
                    self._jieba = tk
        return self._jieba

    def forget(self) -> None:
        """Drop the fragments and words memoised by cutting (the same cuts after, found
        again)."""
        if self._jieba is not None:
            # A cutting under way keeps the dicts it took; the next one starts afresh.
            self._jieba.memo = {}
            self._jieba.hmm_memo = {}
            self._jieba.pieces = {}

    def add_words(self, words: Iterable[UserWord]) -> None:
        """Add user-dictionary entries (parse text with `parse_user_words` first)."""
        words = list(words)
        with self._lock:
            self._extra.extend(words)
            if self._jieba is not None:
                for entry in words:
                    self._jieba.add_word(entry.word, entry.freq, entry.tag)

    @property
    def extra_words(self) -> tuple[UserWord, ...]:
        """The entries added beyond the bundled dictionary, in the order added."""
        return tuple(self._extra)

    @property
    def fingerprint(self) -> str:
        """A short hash of the dictionary: token strings stored under another one are stale."""
        lines = [w.line() for w in (*bundled_user_words(), *self._extra)]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]

    def _pieces(self, text: str | None) -> Iterator[tuple[str, _Piece]]:
        """jieba's precise words of normalised, masked `text`, each with what the indexes
        keep of it (`_piece`, remembered per word until a word is added)."""
        text = mask_identifiers(normalise(text))
        if not text:
            return
        tk = self._tokenizer()
        known = tk.pieces
        if len(known) > _PIECES_SIZE:
            known = tk.pieces = {}
        for piece in tk.words(text):
            entry = known.get(piece)
            if entry is None:
                entry = known[piece] = _piece(tk, piece)
            yield piece, entry

    def cut(self, text: str | None) -> list[str]:
        """The words of `text` in order (jieba's precise mode), without stop words."""
        return [
            piece
            for piece, entry in self._pieces(text)
            if entry is True or (entry is not False and entry[-1] == piece)
        ]

    def cut_for_index(self, text: str | None) -> list[str]:
        """Words for a search index: each compound word followed by its dictionary parts
        (征地拆迁 → 征地 拆迁 征地拆迁), so that a query for a part finds the compound."""
        return self.cut_both(text)[1]

    def cut_both(self, text: str | None) -> tuple[list[str], list[str]]:
        """`(cut(text), cut_for_index(text))` from one pass of jieba: search mode is the
        precise mode's words, each longer one preceded by its dictionary parts of two and
        then three characters, which is how jieba's cut_for_search makes it."""
        precise: list[str] = []
        index: list[str] = []
        for piece, entry in self._pieces(text):
            if entry is True:
                precise.append(piece)
                index.append(piece)
            elif entry is not False:
                if entry[-1] == piece:
                    precise.append(piece)
                index += entry
        return precise, index

    def parts(self, word: str) -> list[str]:
        """The fewest dictionary words of two or three characters that cover `word` exactly
        (征地拆迁 → [征地, 拆迁]), or `[word]` when none do or it is short (信访 → [信访])."""
        if len(word) <= 2:
            return [word]
        freq = self._tokenizer().FREQ
        # best[i]: the shortest covering of word[:i], or None.
        best: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(2, len(word) + 1):
            for size in (2, 3):
                start = end - size
                piece = word[start:end]
                prior = best[start] if start >= 0 else None
                if prior is None or size >= len(word) or not freq.get(piece):
                    continue
                if best[end] is None or len(prior) + 1 < len(best[end]):
                    best[end] = [*prior, piece]
        return best[-1] or [word]


_default: Tokeniser | None = None
_default_lock = threading.Lock()


def default_tokeniser() -> Tokeniser:
    """The process-wide tokeniser (bundled dictionary plus whatever the glue added)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Tokeniser()
    return _default


def default_tokeniser_forget() -> None:
    """Drop the fragments the process-wide tokeniser remembers (its jieba memo, up to
    `_MEMO_SIZE`, ~17 MiB full, its HMM's and its words' entries): a job worker that cut
    thousands of texts gives the memory back between jobs; the next cutting looks its
    fragments up again."""
    tokeniser = _default
    if tokeniser is not None:
        tokeniser.forget()


def default_tokeniser_use(words: Iterable[UserWord]) -> Tokeniser:
    """Make the process-wide tokeniser cut with the bundled dictionary plus exactly `words`:
    words appended to the current ones are added in place; anything else (a word removed or
    changed) builds a new tokeniser, as jieba cannot forget a word."""
    global _default
    words = list(words)
    with _default_lock:
        current = _default
        if current is not None:
            have = list(current.extra_words)
            if words[: len(have)] == have:
                current.add_words(words[len(have) :])
                return current
        _default = Tokeniser(words)
        return _default


def fingerprint_of(words: Iterable[UserWord]) -> str:
    """The fingerprint a tokeniser with these extra words has (without loading jieba)."""
    return Tokeniser(words).fingerprint


def cut(text: str | None) -> list[str]:
    """`default_tokeniser().cut(text)`."""
    return default_tokeniser().cut(text)


def joined(text: str | None) -> str:
    """The words of `text` joined by single spaces: the `tokens` form the suggester reads."""
    return " ".join(default_tokeniser().cut(text))
