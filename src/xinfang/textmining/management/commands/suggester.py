"""`xinfang suggester`: train, evaluate and try the category suggester from labelled CSVs.

    xinfang suggester evaluate --train TRAIN.csv --test TEST.csv   # last line: macro_f1=0.XXXX
    xinfang suggester train --csv FILE --out MODEL                 # bootstrap a model file
    xinfang suggester cross-validate --csv FILE [--folds 5]
    xinfang suggester suggest --model MODEL "信访内容……"

The CSVs have the columns `tokens,label` (`tokens`: words joined by spaces).
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from xinfang.textmining.suggester import (
    Suggester,
    SuggesterError,
    cross_validate,
    read_labelled_csv,
)
from xinfang.textmining.tokeniser import joined


class Command(BaseCommand):
    help = "分类建议模型：训练、评估（最后一行输出 macro_f1=…）、交叉验证、试用"

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        evaluate = actions.add_parser("evaluate", help="用 TRAIN 训练，在 TEST 上评估")
        evaluate.add_argument("--train", required=True, help="训练集 CSV（tokens,label）")
        evaluate.add_argument("--test", required=True, help="测试集 CSV（tokens,label）")
        train = actions.add_parser("train", help="训练并写出模型文件（旧文件保留为 .prev）")
        train.add_argument("--csv", required=True, help="训练集 CSV（tokens,label）")
        train.add_argument("--out", required=True, help="模型文件路径")
        cv = actions.add_parser("cross-validate", help="在训练集上做分层 k 折交叉验证")
        cv.add_argument("--csv", required=True, help="训练集 CSV（tokens,label）")
        cv.add_argument("--folds", type=int, default=5)
        suggest = actions.add_parser("suggest", help="对一段文字给出前三个类别")
        suggest.add_argument("--model", required=True, help="模型文件路径")
        suggest.add_argument("text", help="信访标题和内容（未分词的原文）")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except SuggesterError as exc:
            raise CommandError(str(exc)) from exc

    def _evaluate(self, *, train: str, test: str, **_) -> None:
        texts, labels = read_labelled_csv(train)
        test_texts, test_labels = read_labelled_csv(test)
        started = time.perf_counter()
        model = Suggester.train(texts, labels)
        self.stderr.write(
            f"训练 {len(texts)} 条，用时 {time.perf_counter() - started:.1f} 秒，"
            f"特征 {model.meta['features']} 个。"
        )
        # The report ends with macro_f1=…: scripts read the last line.
        self.stdout.write(model.evaluate(test_texts, test_labels).report())

    def _train(self, *, csv: str, out: str, **_) -> None:
        texts, labels = read_labelled_csv(csv)
        model = Suggester.train(texts, labels)
        path = model.save(out)
        size = path.stat().st_size / 1e6
        self.stdout.write(
            f"已写出模型 {path}（{size:.1f} MB，{len(texts)} 条训练样本，"
            f"类别：{'、'.join(model.labels)}）。"
        )

    def _cross_validate(self, *, csv: str, folds: int, **_) -> None:
        if folds < 2:
            raise CommandError("折数至少为 2。")
        texts, labels = read_labelled_csv(csv)
        scores = cross_validate(texts, labels, folds)
        for i, score in enumerate(scores, start=1):
            self.stdout.write(f"fold {i}: macro_f1={score:.4f}")
        spread = statistics.pstdev(scores)
        self.stdout.write(f"mean macro_f1={statistics.mean(scores):.4f} ± {spread:.4f}")

    def _suggest(self, *, model: str, text: str, **_) -> None:
        suggestions = Suggester.load(model).suggest(joined(text))
        if not suggestions:
            raise CommandError("这段文字没有可用于判断类别的词语。")
        for s in suggestions:
            self.stdout.write(f"{s.label}\t{s.confidence:.3f}")
