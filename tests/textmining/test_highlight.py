"""The pure highlighting of search results: spans on normalised text, safe HTML, snippets."""

from __future__ import annotations

import html
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from xinfang.textmining.highlight import MASK, marked_html, snippet, snippet_html, spans


def test_spans_are_found_on_normalised_text_and_point_into_the_original():
    text = "ＡＢ区下水道"
    assert spans(text, ["ab区"]) == [(0, 3)]
    assert spans(text, ["下水", "下水道"]) == [(3, 6)]


def test_overlapping_and_adjacent_matches_merge():
    assert spans("征地拆迁补偿", ["征地", "拆迁"]) == [(0, 4)]


def test_html_is_escaped_before_marking():
    assert marked_html("<i>拆迁</i>&", ["拆迁"]) == "&lt;i&gt;<mark>拆迁</mark>&lt;/i&gt;&amp;"
    # A term that is itself markup matches the text, never injects.
    assert marked_html("a<b>c", ["<b>"]) == "a<mark>&lt;b&gt;</mark>c"


def test_a_snippet_centres_on_the_first_match_and_masks_identifiers():
    text = "甲" * 100 + "电话13811112222，拆迁补偿" + "乙" * 100
    cut = snippet(text, ["拆迁"], width=40)
    assert cut.startswith("…") and cut.endswith("…") and "拆迁" in cut
    assert "13811112222" not in cut and MASK in cut
    assert "<mark>拆迁</mark>" in snippet_html(text, ["拆迁"], width=40)


@given(st.text(max_size=60), st.lists(st.text(min_size=1, max_size=3), max_size=3))
def test_marking_never_loses_text_or_lets_markup_through(text, terms):
    out = marked_html(text, terms)
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped
    assert html.unescape(stripped) == text


def test_spans_point_into_the_original_when_a_character_folds_to_several():
    # "ﬁ" folds to "fi" and "İ" to two characters: the text folded whole is longer.
    text = "ﬁle İx 小区ＡＢ"
    assert [text[a:b] for a, b in spans(text, ["小区", "ab", "fi"])] == ["ﬁ", "小区ＡＢ"]


@given(st.text(max_size=40), st.text(min_size=1, max_size=3))
def test_spans_match_folding_each_character_on_its_own(text, term):
    folded = [unicodedata.normalize("NFKC", ch).lower() for ch in text]
    term = "".join(unicodedata.normalize("NFKC", ch).lower() for ch in term)
    for start, end in spans(text, [term]):
        assert term in "".join(folded[start:end])
