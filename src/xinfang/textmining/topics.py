"""Hot topics: the matters many people raise in a window, as clusters of similar texts.

Pure functions over `TopicDoc(id, words, day)`; the glue passes the cases of a window (and
of the window before it, for the trend), stores the topics a background job finds and
links each to its cases.

How: each document becomes a TF-IDF vector of its words and word pairs (boilerplate, stop
words and bare numbers left out, and terms in more than a fifth of the window's documents,
which name no particular matter). Pairs with cosine similarity of at least `similarity`
are linked, computed block by block over the sparse matrix so memory stays
proportional to the links, not to n². DBSCAN over those links keeps a document in a topic
only when it is close to a core document (one with at least `min_size - 1` close
neighbours), so one ambiguous message does not chain two matters into one. Each topic is
labelled with the words of highest total weight in it; a document of the previous window
counts for the topic it would have joined (the topic of its closest document, if it is
`similarity` alike), which gives the trend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinfang.textmining.tokeniser import boilerplate_words

_BLOCK = 2048


@dataclass(frozen=True)
class TopicDoc:
    """One document of a window: its id, its words (as `tokeniser.cut` gives them), its day."""

    id: int
    words: Sequence[str]
    day: date


@dataclass
class Topic:
    """A cluster of similar documents in a window."""

    label: list[str]
    ids: list[int]
    first_day: date
    last_day: date
    previous: int = 0  # documents of the previous window close to this topic
    previous_ids: list[int] = field(default_factory=list)  # which ones

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def trend(self) -> str:
        """`new` (nothing like it before), `up`, `flat` or `down` against the previous window;
        a change of at most a quarter (or of one document) counts as flat."""
        if self.previous == 0:
            return "new"
        change = self.count - self.previous
        if abs(change) <= max(1, self.previous // 4):
            return "flat"
        return "up" if change > 0 else "down"


def _vectorise(docs: Sequence[TopicDoc]) -> tuple[Any, Any]:
    """Row-normalised TF-IDF matrix of the documents, and the fitted vectoriser."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(
        token_pattern=r"\S*[^\W\d_]\S*",  # words with a letter or ideograph: no bare numbers
        lowercase=False,
        stop_words=sorted(boilerplate_words()),
        ngram_range=(1, 2),
        sublinear_tf=True,
        # A term in a fifth of the documents names no particular matter. (Terms of one
        # document stay: they link nothing, but they weigh against what a text shares.)
        max_df=0.2 if len(docs) >= 50 else 1.0,
    )
    return vectoriser.fit_transform([" ".join(d.words) for d in docs]), vectoriser


def _links(matrix: Any, similarity: float) -> Any:
    """Sparse cosine distances (1 − similarity, nudged above 0) of the pairs at least
    `similarity` alike; the diagonal left out."""
    import numpy as np
    import scipy.sparse as sp

    n = matrix.shape[0]
    rows, cols, dist = [], [], []
    transposed = matrix.T.tocsc()
    for start in range(0, n, _BLOCK):
        block = (matrix[start : start + _BLOCK] @ transposed).tocoo()
        keep = (block.data >= similarity) & (block.row + start != block.col)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
        # DBSCAN reads a stored 0 as "no link": identical texts get a tiny distance instead.
        dist.append(np.maximum(1.0 - block.data[keep], 1e-9))
    if not rows:
        return sp.csr_matrix((n, n))
    return sp.csr_matrix(
        (np.concatenate(dist), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def find_topics(
    docs: Sequence[TopicDoc],
    *,
    previous: Iterable[TopicDoc] = (),
    similarity: float = 0.3,
    min_size: int = 3,
    label_words: int = 5,
) -> list[Topic]:
    """The topics of a window: clusters of at least `min_size` documents, largest first.

    `previous` are the documents of the window before (same length, say), counted against
    each topic for its trend.
    """
    docs = [d for d in docs if d.words]
    if len(docs) < min_size:
        return []
    import numpy as np
    import scipy.sparse as sp
    from sklearn.cluster import DBSCAN

    try:
        matrix, vectoriser = _vectorise(docs)
    except ValueError:  # nothing but boilerplate and numbers: no topic to find
        return []
    distances = _links(matrix, similarity)
    assignment = DBSCAN(
        eps=1.0 - similarity, min_samples=min_size, metric="precomputed"
    ).fit_predict(distances)
    vocabulary = vectoriser.get_feature_names_out()
    topics: list[Topic] = []
    clusters: list[int] = []
    for cluster in sorted(set(assignment.tolist()) - {-1}):
        members = np.flatnonzero(assignment == cluster)
        if len(members) < min_size:
            continue
        total = sp.csr_matrix(np.ones((1, len(members)))) @ matrix[members]  # sparse sum
        topics.append(
            Topic(
                label=_label(vocabulary[total.indices], total.data, label_words),
                ids=sorted(docs[i].id for i in members),
                first_day=min(docs[i].day for i in members),
                last_day=max(docs[i].day for i in members),
            )
        )
        clusters.append(cluster)
    _count_previous(topics, clusters, assignment, matrix, list(previous), vectoriser, similarity)
    topics.sort(key=lambda t: (-t.count, -t.last_day.toordinal(), t.ids[0]))
    return topics


def label_of(docs: Iterable[Sequence[str]], n: int = 5) -> list[str]:
    """The `n` commonest words of some documents (each counted once a document), for a
    topic shown through only some of its documents; boilerplate and short words left out."""
    skip = boilerplate_words()
    counts = Counter(
        w for words in docs for w in set(words) if len(w) > 1 and w not in skip and not w.isdigit()
    )
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _label(vocabulary: Any, weights: Any, n: int) -> list[str]:
    """The `n` single words of highest weight (bigrams help the linking, not the label;
    one-character words say too little)."""
    import numpy as np

    order = np.argsort(-weights, kind="stable")
    label = []
    for i in order:
        term = str(vocabulary[i])
        if weights[i] <= 0 or len(label) == n:
            break
        if " " not in term and len(term) > 1:
            label.append(term)
    return label


def _count_previous(
    topics: list[Topic],
    clusters: list[int],
    assignment: Any,
    matrix: Any,
    previous: list[TopicDoc],
    vectoriser: Any,
    similarity: float,
) -> None:
    """Set each topic's `previous`: the earlier documents that would have joined it, that
    is, at least `similarity` alike one of its documents (the topic of the closest one)."""
    previous = [d for d in previous if d.words]
    if not topics or not previous:
        return
    import numpy as np

    earlier = vectoriser.transform([" ".join(d.words) for d in previous])
    links = (earlier @ matrix.T).tocsr()
    topic_of = {cluster: i for i, cluster in enumerate(clusters)}
    for row in range(links.shape[0]):
        start, end = links.indptr[row], links.indptr[row + 1]
        cols, sims = links.indices[start:end], links.data[start:end]
        close = sims >= similarity
        if not close.any():
            continue
        best = cols[close][np.argmax(sims[close])]
        topic = topic_of.get(int(assignment[best]))
        if topic is not None:
            topics[topic].previous += 1
            topics[topic].previous_ids.append(previous[row].id)
