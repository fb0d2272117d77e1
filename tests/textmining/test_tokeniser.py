"""The tokeniser: normalisation, the government-terms dictionary, stop words, identifiers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.textmining.text import mask_identifiers, normalise
from xinfang.textmining.tokeniser import (
    Tokeniser,
    UserDictError,
    UserWord,
    bundled_user_words,
    default_tokeniser,
    joined,
    parse_user_words,
)


def test_it_folds_full_width_letters_digits_and_punctuation():
    assert normalise("ＡＢＣ１２３，Ｑ？") == "abc123,q?"
    assert normalise("  第一行_x000D_第二行\u200b\t") == "第一行 第二行"
    assert normalise(None) == ""


def test_it_masks_phone_identity_and_account_numbers_but_keeps_short_numbers():
    text = "电话138-1234-5678 身份证43010219800101123x 2019年3月 房号1203室 卡号6222 0212 3456 78"
    masked = mask_identifiers(text)
    for gone in ("5678", "123x", "6222"):
        assert gone not in masked
    assert "2019年3月" in masked and "1203室" in masked


def test_it_cuts_government_terms_whole_and_drops_stop_words_and_punctuation():
    text = "我们要求落实征地拆迁补偿和后期扶持资金，还有棚户区改造的低保户！"
    words = default_tokeniser().cut(text)
    assert "征地拆迁" in words and "后期扶持" in words and "棚户区改造" in words
    assert "低保户" in words
    for gone in ("我们", "和", "的", "，", "！", "还有"):
        assert gone not in words


def test_it_never_emits_an_identifier():
    text = "我的电话是１３８１２３４５６７８，身份证号430102198001011234。"
    words = default_tokeniser().cut(text)
    assert not any(w.isdigit() and len(w) >= 7 for w in words)
    assert "13812345678" not in " ".join(words)


def test_it_is_deterministic_across_instances():
    text = "A7县新国道107距我家仅3米，相关政府部门为何不同意拆迁？噪音扰民严重。"
    assert Tokeniser().cut(text) == Tokeniser().cut(text) == default_tokeniser().cut(text)
    assert joined(text) == " ".join(default_tokeniser().cut(text))


def test_it_takes_extra_words_at_run_time_and_changes_its_fingerprint():
    tk = Tokeniser()
    text = "青山煤矿塌陷区的搬迁问题"
    before, fingerprint = tk.cut(text), tk.fingerprint
    assert "青山煤矿塌陷区" not in before
    tk.add_words(parse_user_words(["青山煤矿塌陷区 ns"]))
    assert "青山煤矿塌陷区" in tk.cut(text)
    assert tk.fingerprint != fingerprint
    # Built with the same words from the start, another tokeniser cuts the same way.
    assert Tokeniser([UserWord("青山煤矿塌陷区", None, "ns")]).cut(text) == tk.cut(text)


def test_it_parses_user_dictionary_lines():
    words = parse_user_words(["# 注释", "", "东城街道", "移民后扶 50", "临江市 100 ns", "ＡＢ社区"])
    assert words == [
        UserWord("东城街道"),
        UserWord("移民后扶", 50),
        UserWord("临江市", 100, "ns"),
        UserWord("ab社区"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("，，", "不是有效的词条"),
        ("词 1 n 多余", "不是有效的词条"),
        ("词 0", "词频应为正整数"),
        ("词 名词", "词性应为英文字母"),
        ("一二三四五六七八九十一二三四五六七八九十一", "不是有效的词条"),
    ],
)
def test_it_refuses_a_bad_user_dictionary_line_naming_it(line, message):
    with pytest.raises(UserDictError, match=message) as caught:
        parse_user_words(["好词", line])
    assert "第 2 行" in str(caught.value)


def test_it_splits_a_compound_into_the_parts_that_cover_it():
    tk = default_tokeniser()
    assert tk.parts("征地拆迁") == ["征地", "拆迁"]
    assert tk.parts("后期扶持") == ["后期", "扶持"]
    assert tk.parts("信访") == ["信访"]
    assert tk.parts("信访人") == ["信访人"]  # 人 alone is no dictionary word of 2–3 characters


# Characters petitions are written in, with digits, Latin letters, spaces and punctuation, so
# that compounds, stop words, numbers and identifiers all come up.
_PETITION_CHARS = (
    "征地拆迁补偿款小区物业管理费下水道堵塞噪音扰民工资拖欠的了和在是我们请求政府部门尽快"
    "解决问题村委会房屋漏水年月日号第一二三四五六七八九十0123456789abcXY ，。、！？：（）-"
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=_PETITION_CHARS, max_size=60), st.text(alphabet=_PETITION_CHARS, max_size=60)
)
def test_it_cuts_once_for_both_indexes_as_it_cuts_for_each(subject, content):
    """cut_both gives exactly cut and cut_for_index; and a case's precise words (subject。
    content cut as one text) are its subject's then its content's, as the import assumes."""
    tk = default_tokeniser()
    for text in (subject, content, f"{subject}。{content}"):
        assert tk.cut_both(text) == (tk.cut(text), tk.cut_for_index(text))
    assert tk.cut(f"{subject}。{content}") == tk.cut(subject) + tk.cut(content)


def test_the_compact_frequency_table_cuts_exactly_as_jiebas_own(shared_data):
    """The tokeniser's jieba reads its bundled dictionary from a compact table
    (textmining/freqtable.py); a plain jieba with the same user words cuts the same words."""
    import csv
    from itertools import islice

    import jieba

    ours = Tokeniser()
    plain = jieba.Tokenizer()
    plain.initialize()
    for entry in bundled_user_words():
        plain.add_word(entry.word, entry.freq, entry.tag)
    with (shared_data / "messages_hot.csv").open(encoding="utf-8") as f:
        texts = [" ".join(row.values()) for row in islice(csv.DictReader(f), 300)]
    mine = ours._tokenizer()
    for text in texts:
        text = normalise(text)
        assert list(mine.cut(text)) == list(plain.cut(text))
        assert list(mine.cut_for_search(text)) == list(plain.cut_for_search(text))


@pytest.mark.slow
def test_it_cuts_every_shared_text_as_plain_jieba_and_the_filter_would(shared_data):
    """The tokeniser's own cutting (`words`: the route through the dictionary in one pass,
    the words kept per word remembered) gives, for every real text (subject。detail, detail,
    reply; about a minute), exactly plain jieba's precise and search words with stop words
    and punctuation left out, which is what cut and cut_for_index were."""
    import csv

    import jieba

    from xinfang.textmining.tokeniser import _WORD, stop_words

    plain = jieba.Tokenizer()
    plain.initialize()
    for entry in bundled_user_words():
        plain.add_word(entry.word, entry.freq, entry.tag)
    stop = stop_words()

    def kept(pieces):
        return [p for p in pieces if p not in stop and _WORD.search(p)]

    texts = []
    for name in ("messages_hot.csv", "messages_replied.csv"):
        with (shared_data / name).open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                texts += [f"{row['subject']}。{row['detail']}", row["detail"], row.get("reply")]
    tk = Tokeniser()
    for text in texts:
        clean = mask_identifiers(normalise(text))
        assert tk._tokenizer().words(clean) == list(plain.cut(clean))
        assert tk.cut_both(text) == (kept(plain.cut(clean)), kept(plain.cut_for_search(clean)))


def test_the_lookups_remembered_are_forgotten_past_their_size(monkeypatch):
    """jieba's lookups go through a dict of the fragments already seen (`_memo_jieba`), its
    HMM's cuttings through another: emptied past their size and when a word is added, the
    words the same."""
    from xinfang.textmining import tokeniser

    text = "幸福村征地拆迁补偿款一直没有发放，小区物业乱收费，青山煤矿塌陷区的搬迁问题"
    expected = Tokeniser().cut_both(text)
    monkeypatch.setattr(tokeniser, "_MEMO_SIZE", 5)
    monkeypatch.setattr(tokeniser, "_PIECES_SIZE", 5)
    tk = Tokeniser()
    for _ in range(3):
        assert tk.cut_both(text) == expected
        assert tk.cut(text) == expected[0] and tk.cut_for_index(text) == expected[1]
        assert len(tk._tokenizer().memo) <= 5 + len(text) * 4
        assert len(tk._tokenizer().hmm_memo) <= 6  # the HMM's cuttings of unknown runs
        assert len(tk._tokenizer().pieces) <= 5 + len(text)  # each word's entry
    tk.add_words(parse_user_words(["青山煤矿塌陷区 ns"]))
    assert tk._tokenizer().memo == {} and tk._tokenizer().hmm_memo == {}
    assert tk._tokenizer().pieces == {}
    assert "青山煤矿塌陷区" in tk.cut(text)


def test_the_default_tokeniser_forgets_what_it_remembered_and_cuts_the_same(monkeypatch):
    """The job worker empties the memos after each job (site/webserver.py): the same words."""
    from xinfang.textmining import tokeniser

    text = "幸福村征地拆迁补偿款一直没有发放，青山煤矿塌陷区的搬迁问题，哈萨克斯坦"
    monkeypatch.setattr(tokeniser, "_default", Tokeniser())
    tokeniser.default_tokeniser_forget()  # nothing cut yet: nothing to forget
    expected = tokeniser.default_tokeniser().cut_both(text)
    jieba = tokeniser.default_tokeniser()._tokenizer()
    assert jieba.memo and jieba.hmm_memo and jieba.pieces
    tokeniser.default_tokeniser_forget()
    assert jieba.memo == {} and jieba.hmm_memo == {} and jieba.pieces == {}
    assert tokeniser.default_tokeniser().cut_both(text) == expected
