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


@cache
def _memo_jieba() -> type:
    """jieba's Tokenizer with the dictionary lookups of its cutting (`get_DAG`, `calc`)
    through a dict of the fragments already looked up: the frequency table
    (`FrequencyTable`) answers in Python, which made lookups most of a cutting's time.
    The same answers: a fragment's frequency, None when absent; forgotten when a word is
    added and, past `_MEMO_SIZE` fragments, all at once."""
    import jieba
    from jieba import finalseg

    class MemoTokenizer(jieba.Tokenizer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.memo: dict[str, int | None] = {}
            self.hmm_memo: dict[str, list[str]] = {}
            self.hmm_forced = len(finalseg.Force_Split_Words)

        def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
            super().add_word(word, freq, tag)
            self.memo = {}
            self.hmm_memo = {}

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

        def _Tokenizer__cut_DAG(self, sentence: str) -> Iterator[str]:
            # jieba's precise cutting with HMM (Tokenizer.__cut_DAG) as it is, the runs of
            # single characters looked up and cut through the memos.
            dag = self.get_DAG(sentence)
            route: dict = {}
            self.calc(sentence, dag, route)
            memo, lookup = self.memo, self.FREQ.get
            x, buf, n = 0, "", len(sentence)
            while x <= n:
                y = route[x][1] + 1 if x < n else n + 1
                if x < n and y - x == 1:
                    buf += sentence[x]
                    x = y
                    continue
                if buf:
                    if len(buf) == 1:
                        yield buf
                    else:
                        freq = memo.get(buf, _UNSEEN)
                        if freq is _UNSEEN:
                            freq = memo[buf] = lookup(buf)
                        if not freq:
                            yield from self._hmm_cut(buf)
                        else:
                            yield from buf
                    buf = ""
                if x < n:
                    yield sentence[x:y]
                x = y

        def get_DAG(self, sentence: str) -> dict[int, list[int]]:
            self.check_initialized()
            if len(self.memo) > _MEMO_SIZE:
                self.memo = {}
            memo, lookup = self.memo, self.FREQ.get
            dag: dict[int, list[int]] = {}
            n = len(sentence)
            for k in range(n):
                ends = []
                i = k
                frag = sentence[k]
                while i < n:
                    freq = memo.get(frag, _UNSEEN)
                    if freq is _UNSEEN:
                        freq = memo[frag] = lookup(frag)
                    if freq is None:
                        break
                    if freq:
                        ends.append(i)
                    i += 1
                    frag = sentence[k : i + 1]
                dag[k] = ends or [k]
            return dag

        def calc(self, sentence: str, dag: dict, route: dict) -> None:
            n = len(sentence)
            route[n] = (0, 0)
            logtotal = log(self.total)
            memo, lookup = self.memo, self.FREQ.get
            for idx in range(n - 1, -1, -1):
                best = None
                for x in dag[idx]:
                    frag = sentence[idx : x + 1]
                    freq = memo.get(frag, _UNSEEN)
                    if freq is _UNSEEN:
                        freq = lookup(frag)
                    candidate = (log(freq or 1) - logtotal + route[x + 1][0], x)
                    if best is None or candidate > best:
                        best = candidate
                route[idx] = best

    return MemoTokenizer


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
        """Drop the fragments memoised by cutting (the same cuts after, found again)."""
        if self._jieba is not None:
            # A cutting under way keeps the dicts it took; the next one starts afresh.
            self._jieba.memo = {}
            self._jieba.hmm_memo = {}

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

    def _raw(self, text: str | None, *, search: bool) -> Iterator[str]:
        text = mask_identifiers(normalise(text))
        if not text:
            return
        tk = self._tokenizer()
        pieces = tk.cut_for_search(text) if search else tk.cut(text)
        stop = stop_words()
        for piece in pieces:
            if piece not in stop and _WORD.search(piece):
                yield piece

    def cut(self, text: str | None) -> list[str]:
        """The words of `text` in order (jieba's precise mode), without stop words."""
        return list(self._raw(text, search=False))

    def cut_for_index(self, text: str | None) -> list[str]:
        """Words for a search index: each compound word followed by its dictionary parts
        (征地拆迁 → 征地 拆迁 征地拆迁), so that a query for a part finds the compound."""
        return list(self._raw(text, search=True))

    def cut_both(self, text: str | None) -> tuple[list[str], list[str]]:
        """`(cut(text), cut_for_index(text))` from one pass of jieba: search mode is the
        precise mode's words, each longer one preceded by its dictionary parts of two and
        then three characters, which is how jieba's cut_for_search makes it."""
        text = mask_identifiers(normalise(text))
        if not text:
            return [], []
        tk = self._tokenizer()
        lookup, stop = tk.FREQ.get, stop_words()
        precise: list[str] = []
        index: list[str] = []
        for piece in tk.cut(text):
            size = len(piece)
            memo = tk.memo  # the cutting may have started a new one
            for n in (2, 3):
                if size > n:
                    for i in range(size - n + 1):
                        part = piece[i : i + n]
                        freq = memo.get(part, _UNSEEN)
                        if freq is _UNSEEN:
                            freq = memo[part] = lookup(part)
                        if freq and part not in stop and _WORD.search(part):
                            index.append(part)
            if piece not in stop and _WORD.search(piece):
                precise.append(piece)
                index.append(piece)
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
    `_MEMO_SIZE`, ~17 MiB full, and its HMM's): a job worker that cut thousands of texts
    gives the memory back between jobs; the next cutting looks its fragments up again."""
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
