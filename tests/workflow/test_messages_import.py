"""Issue 16: `xinfang import-messages` — a message board's messages as online petitions of a
unit, through the registration service; a rerun adds nothing; bad input refused in Chinese."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinfang.petitions.models import Petition

HEADER = "message_id,user_id,subject,posted_at,detail,against,likes\n"
ROWS = [
    "1,U1,小区下水道堵塞,2019/11/2 09:10:00,下水道堵塞多日无人处理,0,0",
    "2,U2,夜间施工噪音扰民,2019/11/5 22:40:11,工地夜间施工噪音很大,0,1",
    "3,U3,,2019/11/6 08:00:00,没有标题的留言被跳过,0,0",
    "4,U4,路灯不亮,2019-11-08 19:00:00,路灯坏了一个月,0,0",
]
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "messages_hot.csv"


@pytest.fixture
def board(tmp_path) -> Path:
    path = tmp_path / "messages.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def _run(*args) -> str:
    out = io.StringIO()
    call_command("import_messages", *args, stdout=out)
    return out.getvalue()


def test_messages_become_anonymous_online_petitions_once(org, board):
    out = _run(str(board), "--unit", org.dongcheng.code)
    assert "导入 3 条" in out
    cases = Petition.objects.filter(receiving_unit=org.dongcheng).order_by("received_at")
    assert [c.subject for c in cases] == ["小区下水道堵塞", "夜间施工噪音扰民", "路灯不亮"]
    assert all(c.channel == "online" and c.is_anonymous for c in cases)
    assert all(c.events.filter(kind="register").exists() for c in cases)
    assert cases[0].received_on.isoformat() == "2019-11-02"
    assert "导入 0 条，已导入过 3 条" in _run(str(board), "--unit", org.dongcheng.code)


def test_limit_takes_the_newest_and_recent_moves_them_to_today(org, board):
    _run(str(board), "--unit", org.dongcheng.code, "--limit", "2", "--recent")
    cases = Petition.objects.order_by("received_at")
    assert [c.subject for c in cases] == ["夜间施工噪音扰民", "路灯不亮"]
    assert cases[1].received_on == timezone.localdate()
    assert (cases[1].received_on - cases[0].received_on).days == 3


def test_bad_input_is_refused_in_chinese(org, board, tmp_path):
    with pytest.raises(CommandError, match="没有编码为 NOPE 的单位"):
        _run(str(board), "--unit", "NOPE")
    with pytest.raises(CommandError, match="找不到文件"):
        _run(str(tmp_path / "none.csv"), "--unit", org.dongcheng.code)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="文件缺少列"):
        _run(str(bad), "--unit", org.dongcheng.code)
    with pytest.raises(CommandError, match="正整数"):
        _run(str(board), "--unit", org.dongcheng.code, "--limit", "0")
    assert not Petition.objects.exists()


def test_the_shared_board_file_imports(org):
    if not SHARED.is_file():
        pytest.skip(f"../shared/data is absent ({SHARED.resolve()}): real messages not imported")
    out = _run(str(SHARED), "--unit", org.dongcheng.code, "--limit", "5", "--recent")
    assert "导入 5 条" in out
