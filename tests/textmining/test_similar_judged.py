"""Precision of the similar-messages list on real texts, against judgements made by hand.

tests/textmining/fixtures/hot_similar_judged.csv holds, for 40 messages of
../shared/data/messages_hot.csv drawn at random, the candidates that the finder (and, while
it was designed, exact Jaccard ranking under several shingle choices) returned, each judged
by reading both texts: 1 when they raise the same matter (the same place or body and the same
problem, as a registrar would link them), else 0. Only ids and judgements are kept.

Every result the finder returns now is scored against those judgements; a result nobody
judged counts as wrong, so a change that brings new results forward cannot look better
than it is (judge the new pairs and add them to the fixture instead).
"""

import csv
from pathlib import Path

import pytest

from xinfang.textmining.similar import DuplicateFinder
from xinfang.textmining.tokeniser import default_tokeniser

FIXTURE = Path(__file__).parent / "fixtures" / "hot_similar_judged.csv"
# Measured when the judgements were made (default LshParams, min_similarity 0.2, top 5):
# 33 results for the 40 queries, 25 of them the same matter.
MEASURED_PRECISION = 25 / 33
MEASURED_RESULTS = 33
MARGIN = 0.05


def _judgements() -> dict[tuple[int, int], int]:
    with FIXTURE.open(newline="") as f:
        return {
            (int(r["query_id"]), int(r["candidate_id"])): int(r["same_matter"])
            for r in csv.DictReader(f)
        }


def test_the_fixture_holds_ids_and_judgements_only():
    with FIXTURE.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["query_id", "candidate_id", "same_matter"]
        rows = list(reader)
    assert len({r["query_id"] for r in rows}) == 40
    assert {r["same_matter"] for r in rows} == {"0", "1"}
    assert all(r["query_id"].isdigit() and r["candidate_id"].isdigit() for r in rows)


@pytest.mark.slow
def test_it_keeps_its_top5_precision_on_the_judged_sample(shared_data):
    judged = _judgements()
    queries = sorted({q for q, _ in judged})
    tk = default_tokeniser()
    words = {}
    with (shared_data / "messages_hot.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            words[int(row["message_id"])] = tk.cut(row["subject"] + "。" + row["detail"])
    finder = DuplicateFinder()
    for doc_id, w in words.items():
        finder.add(doc_id, words=w)

    results = same = unjudged = 0
    for q in queries:
        for match in finder.query(
            words=words[q], k=5, exclude=[q], words_of=lambda ids: {i: words[i] for i in ids}
        ):
            results += 1
            verdict = judged.get((q, match.doc_id))
            unjudged += verdict is None
            same += verdict or 0
    precision = same / results if results else 0.0
    print(
        f"\nsimilar messages: {results} results for {len(queries)} queries, {same} the same "
        f"matter, {unjudged} unjudged: precision@5 {precision:.3f}"
    )
    assert results >= MEASURED_RESULTS * 0.8, "the finder returns far fewer results than measured"
    assert precision >= MEASURED_PRECISION - MARGIN
