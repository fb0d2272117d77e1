"""Full-text search over pre-cut words: what the glue stores and how it queries.

The database never cuts Chinese itself. The glue stores `index_text(...)` (words joined by
spaces) and matches it with the terms of `query_terms(...)`:

- SQLite FTS5: a table `USING fts5(words, tokenize="unicode61")` holding `index_text`; the
  unicode61 tokenizer splits only on spaces and punctuation, and ideographs are token
  characters, so each stored word stays one token. Query with `MATCH fts5_match(terms)`.
- PostgreSQL: `tsvector_literal(words)::tsvector` in a column with a GIN index (no text
  search parser involved, so the result does not depend on the server's locale), queried
  with `column @@ tsquery_literal(terms)::tsquery`, ranked with `ts_rank`.

Documents are cut in search mode (each compound word and its parts) and queries into the
finest parts, so 征地拆迁 in a query finds 征地和拆迁 in a case and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable

from xinfang.textmining.tokeniser import Tokeniser, default_tokeniser

# PostgreSQL keeps positions 1..16383 and lexemes under 2 KB.
_PG_MAX_POSITION = 16383
_PG_MAX_LEXEME_BYTES = 2046


def index_words(*texts: str | None, tokeniser: Tokeniser | None = None) -> list[str]:
    """The words a search index holds for `texts` (subject, content, replies, notes…)."""
    tk = tokeniser or default_tokeniser()
    words: list[str] = []
    for text in texts:
        words.extend(tk.cut_for_index(text))
    return words


def index_text(*texts: str | None, tokeniser: Tokeniser | None = None) -> str:
    """`index_words` joined by spaces: the value of an FTS5 column."""
    return " ".join(index_words(*texts, tokeniser=tokeniser))


def query_terms(query: str | None, *, tokeniser: Tokeniser | None = None) -> list[str]:
    """The distinct terms of a search box's text, compounds split into their parts."""
    tk = tokeniser or default_tokeniser()
    terms: dict[str, None] = {}
    for word in tk.cut(query):
        for part in tk.parts(word):
            terms.setdefault(part, None)
    return list(terms)


def fts5_match(terms: Iterable[str], *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression: every term (or any, with `any_term`) as a quoted string."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    return (" OR " if any_term else " ").join(quoted)


def _pg_quote(word: str) -> str:
    """A lexeme quoted for tsvector/tsquery input syntax."""
    if len(word) <= _PG_MAX_LEXEME_BYTES // 4 and "'" not in word and "\\" not in word:
        return "'" + word + "'"  # short enough in any encoding, nothing to escape
    word = word.encode()[:_PG_MAX_LEXEME_BYTES].decode(errors="ignore")
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_literal(terms: Iterable[str], *, any_term: bool = False) -> str:
    """A tsquery in input syntax, to be cast with `::tsquery` (no parser, no stemming)."""
    return (" | " if any_term else " & ").join(_pg_quote(t) for t in terms)


def tsvector_literal(words: Iterable[str]) -> str:
    """A tsvector in input syntax with each word's positions, to be cast with `::tsvector`."""
    positions: dict[str, list[int]] = {}
    count = 0
    for count, word in enumerate(words, start=1):
        found = positions.get(word)
        if found is None:
            positions[word] = [count]
        else:
            found.append(count)
    if count > _PG_MAX_POSITION:
        # Positions past the last one PostgreSQL keeps become that one, once per word.
        capped = {w: sorted({min(p, _PG_MAX_POSITION) for p in ps}) for w, ps in positions.items()}
        positions = capped
    # Below the cap each word's positions are already increasing and distinct.
    return " ".join(_pg_quote(w) + ":" + ",".join(map(str, ps)) for w, ps in positions.items())
