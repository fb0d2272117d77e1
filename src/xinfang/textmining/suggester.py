"""The category suggester: from a petition's words to its three likeliest categories.

One code path: `Suggester.train` builds the featurisation and the model, and `suggest`,
`predict` and `evaluate` all run them. The input is always the `tokens` form — words
joined by single spaces, the subject's words first (`tokeniser.joined(subject + "。" +
content)`; the columns `tokens,label` of a labelled CSV hold exactly that).

Featurisation (chosen by 5-fold cross-validation on ../shared/data/labeled_train.csv; the
README lists what else was tried): TF-IDF with sublinear term frequency over

- word unigrams and bigrams,
- character 1–3-grams within words (they catch words jieba cut differently),
- the first 12 words alone, as words and character 1–2-grams at half weight (the subject
  says most about the category).

Model: two linear SVMs (C = 0.5, one-vs-rest) over those features — a plain one and one
whose features are scaled per class by their naive-Bayes log-count ratio (NBSVM, Wang and
Manning 2012) — their class scores standardised per text and summed, plus one offset per
class chosen on 2-fold out-of-fold scores of the training set to maximise macro-F1 (the
SVMs favour the big classes; the offsets give the small ones back their share). A softmax
with a temperature fitted on the same out-of-fold scores turns the sum into confidences
(the order, and so the top suggestion, is the sum's).

Files: `save` writes through a temporary file and a rename and keeps the file it replaces
as `<name>.prev`; `load_cached` loads a file once per process and again only when the file
is replaced. scikit-learn and numpy are imported on first use.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xinfang.textmining.files import atomic_write

_MAGIC = b"XFSUGG1\n"
HEAD_WORDS = 12
_TOKEN_PATTERN = r"\S+"


class SuggesterError(ValueError):
    """Data or a model file the suggester cannot use; the message is Chinese."""


@dataclass(frozen=True)
class Suggestion:
    """One suggested label and the model's probability for it."""

    label: str
    confidence: float


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label on a test set."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    """How a model did on a labelled test set."""

    labels: list[LabelScore]
    accuracy: float
    macro_f1: float
    n: int

    def report(self) -> str:
        """Per-label figures, then accuracy, then `macro_f1=…` as the last line."""
        lines = [_cell("类别", 16) + "".join(_cell(h, 10, right=True) for h in _HEADINGS)]
        for s in self.labels:
            lines.append(
                _cell(s.label, 16)
                + f"{s.precision:>10.4f}{s.recall:>10.4f}{s.f1:>10.4f}{s.support:>10d}"
            )
        lines.append(f"n={self.n}")
        lines.append(f"accuracy={self.accuracy:.4f}")
        lines.append(f"macro_f1={self.macro_f1:.4f}")
        return "\n".join(lines)


_HEADINGS = ("精确率", "召回率", "F1", "样本数")


def _cell(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded to `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    pad = " " * max(width - used, 1)
    return pad + text if right else text + pad


def head(texts: Sequence[str]) -> list[str]:
    """The first `HEAD_WORDS` words of each token string (most of the subject)."""
    return [" ".join(t.split()[:HEAD_WORDS]) for t in texts]


class _Features:
    """The four TF-IDF blocks side by side: words, characters, and the same two for the
    first words at half weight."""

    def __init__(self, n_docs: int):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        # Words seen once are noise in a large corpus but all there is in a small one.
        common = {"lowercase": False, "sublinear_tf": True, "dtype": np.float32}
        common["min_df"] = 2 if n_docs >= 1000 else 1

        def words(ngrams: tuple[int, int]) -> TfidfVectorizer:
            return TfidfVectorizer(token_pattern=_TOKEN_PATTERN, ngram_range=ngrams, **common)

        def chars(ngrams: tuple[int, int]) -> TfidfVectorizer:
            return TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, **common)

        # (vectoriser, reads the first words only, weight)
        self.blocks = [
            (words((1, 2)), False, 1.0),
            (chars((1, 3)), False, 1.0),
            (words((1, 1)), True, 0.5),
            (chars((1, 2)), True, 0.5),
        ]

    @property
    def size(self) -> int:
        return sum(len(v.vocabulary_) for v, _, _ in self.blocks)

    def known_words(self, x: Any) -> Any:
        """Per row of `x`, how many of the text's words the training data had."""
        return x[:, : len(self.blocks[0][0].vocabulary_)].getnnz(axis=1)

    def fit_transform(self, texts: Sequence[str]) -> Any:
        return self._stack(texts, fit=True)

    def transform(self, texts: Sequence[str]) -> Any:
        return self._stack(texts, fit=False)

    def _stack(self, texts: Sequence[str], *, fit: bool) -> Any:
        import scipy.sparse as sp
        import sklearn

        texts = list(texts)
        heads = head(texts)
        # Input is ours and checked: skip the per-call validation (most of a one-text call).
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            parts = [
                (v.fit_transform if fit else v.transform)(heads if first else texts) * weight
                for v, first, weight in self.blocks
            ]
        return sp.hstack(parts, format="csr")


def cross_validate(texts: Sequence[str], labels: Sequence[str], folds: int = 5) -> list[float]:
    """Macro-F1 of `Suggester.train` on each of `folds` stratified folds of a labelled set
    (how the featurisation and model were chosen, without looking at a test set)."""
    _check(texts, labels)
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    texts, y = list(texts), np.asarray(labels)
    scores = []
    for fit_rows, held_out in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, y):
        model = Suggester.train([texts[i] for i in fit_rows], y[fit_rows].tolist())
        result = model.evaluate([texts[i] for i in held_out], y[held_out].tolist())
        scores.append(result.macro_f1)
    return scores


def _check(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise SuggesterError("文本与类别的条数不一致。")
    counts = Counter(labels)
    if len(counts) < 2:
        raise SuggesterError("训练数据至少需要两个类别。")
    few = sorted(label for label, n in counts.items() if n < 3)
    if few:
        raise SuggesterError(f"每个类别至少需要 3 条训练样本，不足的类别：{'、'.join(few)}。")


class _Model:
    """The two SVMs and the temperature; `scores` and `probabilities` take TF-IDF rows."""

    def __init__(self, c: float = 0.5):
        self.c = c

    def fit(self, x: Any, y: Any) -> _Model:
        import numpy as np
        import scipy.sparse as sp
        from sklearn.svm import LinearSVC

        self.classes_ = np.unique(y)
        plain = LinearSVC(C=self.c, random_state=0).fit(x, y)
        self.plain = (plain.coef_.astype(np.float32), plain.intercept_.astype(np.float32))
        present = (x > 0).astype(np.float32)
        coefs, biases = [], []
        for label in self.classes_:
            mine = y == label
            p = np.asarray(present[mine].sum(axis=0)).ravel() + 1.0
            q = np.asarray(present[~mine].sum(axis=0)).ravel() + 1.0
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            binary = LinearSVC(C=self.c, random_state=0).fit(x @ sp.diags(ratio), mine)
            coefs.append(binary.coef_[0] * ratio)  # (x ⊙ r)·w = x·(r ⊙ w)
            biases.append(binary.intercept_[0])
        self.nb = (np.asarray(coefs, np.float32), np.asarray(biases, np.float32))
        self.offsets = np.zeros(len(self.classes_), np.float32)
        self.temperature = 1.0
        return self

    def scores(self, x: Any) -> Any:
        import numpy as np

        total = 0
        for coef, bias in (self.plain, self.nb):
            s = np.asarray(x @ coef.T) + bias
            spread = s.std(axis=1, keepdims=True)
            total = total + (s - s.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1)
        return total + self.offsets

    def probabilities(self, x: Any) -> Any:
        return _softmax(self.scores(x) / self.temperature)


def _softmax(s: Any) -> Any:
    import numpy as np

    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# Offsets tried per class, in units of one standardised score.
_OFFSET_GRID = [i / 20 for i in range(-12, 13)]


def _fit_offsets(scores: Any, y: Any, classes: Any, passes: int = 3) -> Any:
    """Per-class score offsets that maximise macro-F1 on out-of-fold scores (coordinate
    ascent over a small grid; among equal scores the smallest offset wins)."""
    import numpy as np
    from sklearn.metrics import f1_score

    truth = np.searchsorted(classes, y)
    offsets = np.zeros(len(classes))

    def macro_f1(o: Any) -> float:
        return f1_score(truth, (scores + o).argmax(axis=1), average="macro")

    best = macro_f1(offsets)
    for _ in range(passes):
        improved = False
        for k in range(len(classes)):
            for value in sorted(_OFFSET_GRID, key=abs):
                trial = offsets.copy()
                trial[k] = value
                score = macro_f1(trial)
                if score > best + 1e-9:
                    best, offsets, improved = score, trial, True
        if not improved:
            break
    return offsets.astype(np.float32)


def _fit_temperature(scores: Any, y: Any, classes: Any) -> float:
    """The temperature that minimises the log loss of softmax(scores / T)."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    truth = np.searchsorted(classes, y)

    def loss(t: float) -> float:
        p = _softmax(scores / t)[np.arange(len(truth)), truth]
        return float(-np.log(np.maximum(p, 1e-12)).mean())

    return float(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)


class Suggester:
    """A trained featurisation and model, with what it was trained on."""

    def __init__(self, features: _Features, model: _Model, meta: dict[str, Any]):
        self._features = features
        self._model = model
        self.meta = meta

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> Suggester:
        """Fit the featurisation and the model on token strings and their labels.

        Raises:
            SuggesterError: too few labels or examples.
        """
        _check(texts, labels)
        import numpy as np
        import sklearn
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(labels)
        features = _Features(len(texts))
        x = features.fit_transform(list(texts))
        model = _Model().fit(x, y)
        # Out-of-fold scores (features fitted once on everything: only the class offsets
        # and the temperature, a few numbers, are learnt from them).
        oof = np.zeros((len(y), len(model.classes_)))
        splits = StratifiedKFold(2, shuffle=True, random_state=0).split(x, y)
        for fit_rows, held_out in splits:
            oof[held_out] = _Model().fit(x[fit_rows], y[fit_rows]).scores(x[held_out])
        model.offsets = _fit_offsets(oof, y, model.classes_)
        model.temperature = _fit_temperature(oof + model.offsets, y, model.classes_)
        meta = {
            "labels": [str(c) for c in model.classes_],
            "n_train": len(texts),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sklearn": sklearn.__version__,
            "features": features.size,
            "temperature": round(model.temperature, 4),
            "offsets": [round(float(o), 2) for o in model.offsets],
        }
        return cls(features, model, meta)

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Each text's probability per label (rows), labels in `self.labels` order."""
        return self._model.probabilities(self._features.transform(list(texts)))

    def suggest_many(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        """The `k` likeliest labels of each text, likeliest first; none for a text with no
        word the training data had (nothing to go on)."""
        import numpy as np

        labels = self.labels
        x = self._features.transform(list(texts))
        out = []
        known_words = self._features.known_words(x)
        for row, known in zip(self._model.probabilities(x), known_words, strict=True):
            best = np.argsort(-row, kind="stable")[:k] if known else []
            out.append([Suggestion(labels[i], round(float(row[i]), 4)) for i in best])
        return out

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The `k` likeliest labels of one token string; [] for a text without words."""
        if not text.strip():
            return []
        return self.suggest_many([text], k)[0]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The likeliest label of each text ("" when there is nothing to go on)."""
        return [s[0].label if s else "" for s in self.suggest_many(texts, 1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
        """Precision, recall and F1 per label, accuracy and macro-F1 on a labelled set."""
        from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

        predicted = self.predict(texts)
        # A text with nothing to go on counts as missed, not as a label of its own.
        names = sorted((set(labels) | set(predicted)) - {""})
        p, r, f, n = precision_recall_fscore_support(
            labels, predicted, labels=names, zero_division=0
        )
        scores = [
            LabelScore(name, float(p[i]), float(r[i]), float(f[i]), int(n[i]))
            for i, name in enumerate(names)
        ]
        return Evaluation(
            labels=scores,
            accuracy=float(accuracy_score(labels, predicted)),
            macro_f1=float(f1_score(labels, predicted, labels=names, average="macro")),
            n=len(labels),
        )

    def to_bytes(self) -> bytes:
        """The model file's content: a JSON header line, then the compressed model."""
        body = zlib.compress(pickle.dumps((self._features, self._model), protocol=5), 6)
        return _MAGIC + json.dumps(self.meta, ensure_ascii=False).encode() + b"\n" + body

    @classmethod
    def from_bytes(cls, data: bytes) -> Suggester:
        """A model from `to_bytes` output (only ever our own files: they hold a pickle).

        Raises:
            SuggesterError: not a model file, or one from another scikit-learn release.
        """
        import sklearn

        if not data.startswith(_MAGIC):
            raise SuggesterError("不是分类建议模型文件。")
        header, _, body = data[len(_MAGIC) :].partition(b"\n")
        try:
            meta = json.loads(header)
        except json.JSONDecodeError as exc:
            raise SuggesterError("分类建议模型文件已损坏。") from exc
        if _minor(meta.get("sklearn", "")) != _minor(sklearn.__version__):
            raise SuggesterError(
                f"模型由 scikit-learn {meta.get('sklearn')} 训练，当前为 {sklearn.__version__}，"
                "请重新训练。"
            )
        try:
            features, model = pickle.loads(zlib.decompress(body))
        except (zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
            raise SuggesterError("分类建议模型文件已损坏。") from exc
        return cls(features, model, meta)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model atomically, keeping the replaced file as `<name>.prev`."""
        return atomic_write(path, self.to_bytes(), keep_previous=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Suggester:
        """Read a model file.

        Raises:
            SuggesterError: missing, unreadable or not a model.
        """
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SuggesterError(f"无法读取模型文件 {path}：{exc.strerror}") from exc
        return cls.from_bytes(data)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


_cache: dict[str, tuple[tuple[int, int, int], Suggester]] = {}
_cache_lock = threading.Lock()


def load_cached(path: str | os.PathLike) -> Suggester:
    """The model at `path`, loaded once per process and again only after the file was
    replaced (a new inode, size or modification time: one `stat` per call).

    Raises:
        SuggesterError: missing, unreadable or not a model.
    """
    key = str(Path(path).resolve())
    try:
        st = os.stat(key)
    except OSError as exc:
        raise SuggesterError(f"无法读取模型文件 {path}：{exc.strerror}") from exc
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _cache.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        model = Suggester.load(key)
        _cache[key] = (stamp, model)
        return model


def read_labelled_csv(source: str | os.PathLike | io.TextIOBase) -> tuple[list[str], list[str]]:
    """The `tokens` and `label` columns of a labelled CSV (UTF-8, with a header row).

    Raises:
        SuggesterError: missing file or columns, or a row without tokens or label (named).
    """
    try:
        handle = (
            open(source, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
            if isinstance(source, str | os.PathLike)
            else source
        )
    except OSError as exc:
        raise SuggesterError(f"无法读取 {source}：{exc.strerror}") from exc
    texts, labels = [], []
    try:
        reader = csv.DictReader(handle)
        missing = {"tokens", "label"} - set(reader.fieldnames or [])
        if missing:
            raise SuggesterError(f"CSV 缺少列：{'、'.join(sorted(missing))}（应有 tokens,label）。")
        for line, row in enumerate(reader, start=2):
            tokens = " ".join((row.get("tokens") or "").split())
            label = (row.get("label") or "").strip()
            if not tokens or not label:
                raise SuggesterError(f"第 {line} 行缺少 tokens 或 label。")
            texts.append(tokens)
            labels.append(label)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SuggesterError(f"CSV 无法解析：{exc}") from exc
    finally:
        if handle is not source:
            handle.close()
    if not texts:
        raise SuggesterError("CSV 中没有数据行。")
    return texts, labels
