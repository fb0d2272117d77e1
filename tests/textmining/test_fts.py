"""Search terms and the FTS5 / PostgreSQL query and document literals."""

from xinfang.textmining.fts import (
    fts5_match,
    index_text,
    index_words,
    query_terms,
    tsquery_literal,
    tsvector_literal,
)


def test_it_indexes_a_compound_with_its_parts_so_either_finds_it():
    words = index_words("关于征地拆迁补偿的反映", "答复：按标准补偿。")
    assert {"征地", "拆迁", "征地拆迁", "补偿"} <= set(words)
    assert index_text("征地拆迁") == " ".join(index_words("征地拆迁"))


def test_it_queries_a_compound_by_its_parts():
    assert query_terms("征地拆迁") == ["征地", "拆迁"]
    # A case that wrote the parts apart is found by the compound's terms and vice versa.
    apart = set(index_words("征地和拆迁的补偿"))
    whole = set(index_words("征地拆迁补偿"))
    for terms in (query_terms("征地拆迁"), query_terms("征地 拆迁")):
        assert set(terms) <= apart and set(terms) <= whole


def test_it_drops_duplicate_terms_and_stop_words_from_a_query():
    assert query_terms("低保 的 低保 和 医保") == ["低保", "医保"]
    assert query_terms("，。！") == []


def test_it_quotes_fts5_terms():
    assert fts5_match(["征地", 'a"b']) == '"征地" "a""b"'
    assert fts5_match(["征地", "拆迁"], any_term=True) == '"征地" OR "拆迁"'


def test_it_writes_postgres_literals_with_quotes_and_positions():
    assert tsquery_literal(["征地", "it's"]) == "'征地' & 'it''s'"
    assert tsquery_literal(["a\\b", "c"], any_term=True) == "'a\\\\b' | 'c'"
    assert tsvector_literal(["征地", "拆迁", "征地"]) == "'征地':1,3 '拆迁':2"
    capped = tsvector_literal(["x"] * 3 + ["y"] * 20000 + ["x", "z"])
    # Past 16383 every position is that one, once per word.
    assert capped == "'x':1,2,3,16383 'y':" + ",".join(map(str, range(4, 16384))) + " 'z':16383"
    # Quotes and backslashes escaped; a lexeme cut to PostgreSQL's 2046 bytes.
    assert tsvector_literal(["it's", "a\\b"]) == "'it''s':1 'a\\\\b':2"
    assert tsquery_literal(["征" * 700, "x" * 511]) == f"'{'征' * 682}' & '{'x' * 511}'"
