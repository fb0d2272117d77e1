"""The category suggester on small texts written here: train, suggest, evaluate, files."""

import io
import os

import pytest
from django.core.management import CommandError, call_command

from xinfang.textmining.suggester import (
    Suggester,
    SuggesterError,
    load_cached,
    read_labelled_csv,
)
from xinfang.textmining.tokeniser import joined

CORPUS = {
    "城乡建设": [
        "幸福村征地拆迁补偿款迟迟没有发放",
        "棚户区改造安置房交房时间一再推迟",
        "小区违章建筑占用公共绿地请求拆除",
        "拆迁安置补偿标准过低要求重新评估",
        "老旧小区改造加装电梯何时启动",
        "开发商延期交房不动产证办不下来",
    ],
    "劳动和社会保障": [
        "建筑公司拖欠农民工工资半年未发",
        "单位不给缴纳养老保险和医保",
        "工伤认定申请被拒要求劳动仲裁",
        "公司辞退员工不支付经济补偿金",
        "退休待遇计算有误养老金偏低",
        "欠薪老板跑路工人讨要工资无门",
    ],
    "教育文体": [
        "孩子入学划片不合理上学太远",
        "学校违规补课乱收费家长不满",
        "幼儿园收费过高普惠性学位不足",
        "民办教师待遇问题多年未解决",
        "校外培训机构倒闭学费不退",
        "中学食堂饭菜质量差学生反映",
    ],
}
UNSEEN = {
    "城乡建设": "征地拆迁的安置补偿款什么时候发放",
    "劳动和社会保障": "老板拖欠工资不发，工人要求劳动仲裁",
    "教育文体": "学校补课收费，家长反映学生负担重",
}


def _data():
    texts, labels = [], []
    for label, items in CORPUS.items():
        for item in items:
            texts.append(joined(item))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model():
    return Suggester.train(*_data())


def test_it_suggests_three_labels_best_first_with_probabilities(model):
    for label, text in UNSEEN.items():
        suggestions = model.suggest(joined(text))
        assert suggestions[0].label == label
        assert len(suggestions) == 3
        confidences = [s.confidence for s in suggestions]
        assert confidences == sorted(confidences, reverse=True)
        assert 0 < sum(confidences) <= 1.0001
    assert model.suggest("   ") == []
    assert model.suggest("qqqq xxxx") == []  # no word seen in training: nothing to go on
    assert model.predict(["qqqq", joined(UNSEEN["教育文体"])]) == ["", "教育文体"]
    assert model.labels == sorted(CORPUS)


def test_one_code_path_serves_predict_suggest_and_evaluate(model):
    texts = [joined(t) for t in UNSEEN.values()]
    predicted = model.predict(texts)
    assert predicted == [model.suggest(t)[0].label for t in texts]
    result = model.evaluate(texts, list(UNSEEN))
    assert result.macro_f1 == 1.0 and result.accuracy == 1.0 and result.n == 3
    wrong = model.evaluate(texts, ["教育文体", "劳动和社会保障", "城乡建设"])
    assert wrong.macro_f1 == pytest.approx(1 / 3)
    # A text with nothing to go on is a miss, not a label of its own.
    blank = model.evaluate(["qqqq", texts[2]], ["教育文体", "教育文体"])
    assert [s.label for s in blank.labels] == ["教育文体"]
    assert blank.macro_f1 == pytest.approx(2 / 3)
    lines = wrong.report().splitlines()
    assert lines[-1] == f"macro_f1={wrong.macro_f1:.4f}"
    assert any(line.startswith("城乡建设") for line in lines)


def test_it_refuses_too_little_training_data():
    with pytest.raises(SuggesterError, match="至少需要两个类别"):
        Suggester.train(["a b", "c d", "e f"], ["甲", "甲", "甲"])
    with pytest.raises(SuggesterError, match="不足的类别：乙"):
        Suggester.train(["a b", "c d", "e f", "g h"], ["甲", "甲", "甲", "乙"])
    with pytest.raises(SuggesterError, match="条数不一致"):
        Suggester.train(["a b"], ["甲", "乙"])


def test_it_saves_atomically_keeping_the_previous_model(model, tmp_path):
    path = tmp_path / "models" / "suggester.bin"
    model.save(path)
    assert not (tmp_path / "models" / "suggester.bin.prev").exists()
    first = path.read_bytes()
    model.save(path)
    assert (tmp_path / "models" / "suggester.bin.prev").read_bytes() == first
    assert not list((tmp_path / "models").glob(".*.tmp"))
    again = Suggester.load(path)
    text = joined(UNSEEN["教育文体"])
    assert again.suggest(text) == model.suggest(text)
    assert again.meta["n_train"] == 18


def test_it_loads_once_per_process_and_again_after_a_swap(model, tmp_path):
    path = tmp_path / "suggester.bin"
    model.save(path)
    first = load_cached(path)
    assert load_cached(path) is first
    model.save(path)  # the nightly job's swap: a new file under the same name
    second = load_cached(path)
    assert second is not first
    assert load_cached(str(path)) is second


def test_it_refuses_a_file_that_is_not_a_model(model, tmp_path):
    with pytest.raises(SuggesterError, match="不是分类建议模型文件"):
        Suggester.from_bytes(b"hello")
    data = model.to_bytes().replace(b'"sklearn": "', b'"sklearn": "0.1', 1)
    with pytest.raises(SuggesterError, match="请重新训练"):
        Suggester.from_bytes(data)
    head, _, _ = model.to_bytes().partition(b"}\n")
    with pytest.raises(SuggesterError, match="已损坏"):
        Suggester.from_bytes(head + b"}\nnot zlib")
    with pytest.raises(SuggesterError, match="无法读取模型文件"):
        load_cached(tmp_path / "missing.bin")


def test_it_reads_a_labelled_csv_and_names_a_bad_row(tmp_path):
    texts, labels = read_labelled_csv(io.StringIO("tokens,label\n征地  拆迁 补偿,城乡建设\n"))
    assert texts == ["征地 拆迁 补偿"] and labels == ["城乡建设"]
    with pytest.raises(SuggesterError, match="缺少列：label"):
        read_labelled_csv(io.StringIO("tokens,category\na,b\n"))
    with pytest.raises(SuggesterError, match="第 3 行缺少 tokens 或 label"):
        read_labelled_csv(io.StringIO("tokens,label\na b,甲\n,乙\n"))
    with pytest.raises(SuggesterError, match="没有数据行"):
        read_labelled_csv(io.StringIO("tokens,label\n"))
    with pytest.raises(SuggesterError, match="无法读取"):
        read_labelled_csv(tmp_path / "missing.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("tokens,label\n\xe9,\xe9\n".encode("latin-1"))
    with pytest.raises(SuggesterError, match="无法解析"):
        read_labelled_csv(bad)


def _write_csv(path, rows):
    path.write_text("tokens,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows), "utf-8")
    return path


def test_the_command_evaluates_trains_and_suggests(tmp_path, capsys):
    train = _write_csv(tmp_path / "train.csv", zip(*_data(), strict=True))
    test = _write_csv(
        tmp_path / "test.csv", [(joined(text), label) for label, text in UNSEEN.items()]
    )
    call_command("suggester", "evaluate", "--train", str(train), "--test", str(test))
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "macro_f1=1.0000"
    assert sum(line.startswith(tuple(CORPUS)) for line in out) == 3

    model = tmp_path / "m.bin"
    call_command("suggester", "train", "--csv", str(train), "--out", str(model))
    assert "已写出模型" in capsys.readouterr().out and os.path.getsize(model) > 0
    call_command("suggester", "suggest", "--model", str(model), "拖欠农民工工资不发")
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("劳动和社会保障\t")


def test_the_command_reports_bad_input_as_a_command_error(tmp_path):
    bad = _write_csv(tmp_path / "one.csv", [("a b", "甲")] * 3)
    with pytest.raises(CommandError, match="至少需要两个类别"):
        call_command("suggester", "evaluate", "--train", str(bad), "--test", str(bad))
    with pytest.raises(CommandError, match="无法读取"):
        call_command("suggester", "train", "--csv", str(tmp_path / "no.csv"), "--out", "x")
    with pytest.raises(CommandError, match="不是分类建议模型文件"):
        call_command("suggester", "suggest", "--model", str(bad), "文字")


def test_class_offsets_give_an_under_scored_class_back_its_share():
    import numpy as np

    from xinfang.textmining.suggester import _fit_offsets

    # Class "b" is always scored 0.45 below where it should be: most of its texts are lost.
    rng = np.random.default_rng(0)
    classes = np.array(["a", "b", "c"])
    y = np.array(["a"] * 60 + ["b"] * 20 + ["c"] * 60)
    truth = np.searchsorted(classes, y)
    scores = rng.normal(0, 0.1, (len(y), 3))
    scores[np.arange(len(y)), truth] += 0.5
    scores[:, 1] -= 0.45
    offsets = _fit_offsets(scores, y, classes)
    assert offsets[1] - max(offsets[0], offsets[2]) > 0.1
    before = (scores.argmax(axis=1) == truth)[y == "b"].mean()
    after = ((scores + offsets).argmax(axis=1) == truth)[y == "b"].mean()
    assert after > before


def test_offsets_stay_zero_where_nothing_is_gained():
    import numpy as np

    from xinfang.textmining.suggester import _fit_offsets

    classes = np.array(["a", "b"])
    y = np.array(["a", "b"] * 10)
    scores = np.where(np.searchsorted(classes, y)[:, None] == np.arange(2), 1.0, 0.0)
    assert _fit_offsets(scores, y, classes).tolist() == [0.0, 0.0]
