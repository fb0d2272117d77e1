"""The anonymiser removes what identifies a case's people before text becomes public."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.petitions.factories import person, register
from xinfang.portal.anonymise import anonymise_for_case, anonymise_text, pseudonym


@pytest.mark.parametrize(
    "name, expected",
    [("王建国", "王某"), ("欧阳明月", "欧阳某"), ("李娜", "李某"), ("John Smith", "某某")],
)
def test_it_keeps_only_the_surname(name, expected):
    assert pseudonym(name) == expected


def test_it_strips_names_identity_numbers_phones_and_addresses():
    text = (
        "信访人王建国（身份证号110101199003074514，电话138 1234 5678，座机0716-6121234）"
        "住东湖路12号3栋2单元501室，反映幸福小区5栋漏水。王建国称已多次反映。"
    )
    result = anonymise_text(text, names=["王建国"])
    for gone in ("王建国", "110101199003074514", "138 1234 5678", "0716-6121234", "东湖路12号"):
        assert gone not in result, gone
    assert "王某" in result and "[身份证号码已隐去]" in result
    assert result.count("[电话号码已隐去]") == 2
    assert "住东湖路××号，" in result and "幸福小区××栋漏水" in result
    assert "反映" in result and "漏水" in result


def test_it_leaves_ordinary_numbers_alone():
    text = "2025年6月1日起按每月300元标准发放，共计12个月，涉及资金3600元。"
    assert anonymise_text(text) == text


def test_it_strips_the_cases_people(org, dc_registrar):
    p = register(
        dc_registrar,
        org.dongcheng,
        people=[person(name="赵小梅", phone="13912345678")],
        content="赵小梅反映：家住临江市城南区东湖路12号，电话13912345678。",
    )
    result = anonymise_for_case(p, p.content)
    assert "赵小梅" not in result and "赵某" in result
    assert "13912345678" not in result and "东湖路12号" not in result
    assert result == "赵某反映：家住[地址已隐去]，电话[电话号码已隐去]。"


def test_it_strips_an_accused_persons_name(org, dc_registrar):
    p = register(
        dc_registrar,
        org.dongcheng,
        is_accusation=True,
        accused_person="张三、李四",
        accused_unit=org.donghu,
        category="rural.village_affairs",
    )
    assert anonymise_for_case(p, "张三和李四挪用资金") == "张某和李某挪用资金"


# --- flats and rooms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("住3栋2单元501室，反映漏水", "住××，反映漏水"),
        ("我家在5号楼1203，楼上漏水", "我家在××，楼上漏水"),
        ("401房的住户反映噪音", "××的住户反映噪音"),
        ("住在2单元302", "住在××"),
        ("12号楼7层703室", "××"),
        ("幸福小区5号楼1203漏水", "幸福小区××栋漏水"),
        # Found by hypothesis: "村1号" was read as a house number and the room kept.
        ("家住锦绣新村1号楼101，楼上漏水", "家住锦绣新村××栋，楼上漏水"),
        ("幸福村1号楼101漏水", "幸福村××漏水"),
        ("东湖社区3栋2单元501室", "东湖社区××栋"),
        ("城南区东城街道东湖社区B座1502室", "城南区东城街道东湖社区××栋"),
        ("金色家园十栋三单元五〇一室", "金色家园××栋"),
        ("滨江花园2幢1单元1201", "滨江花园××栋"),
        ("东湖小区3-2-501", "东湖小区××"),
        ("望江苑7-1-1102门口", "望江苑××门口"),
        ("东湖路12号院3号楼2单元302", "东湖路××号"),
        ("城南区东湖路88号1203号房", "城南区东湖路××号"),
        ("解放大道1088号3栋1单元2204室", "解放大道××号"),
    ],
)
def test_it_drops_flat_and_room_numbers_and_keeps_the_place(text, expected):
    assert anonymise_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025年6月5号上午到社区反映",
        "小区共有3栋楼，涉及120户居民",
        "东湖路12号楼下的下水道",
        "会议室里讨论了三房一厅的分配",
        "补偿标准每平方米3200元，共计1203平方米",
    ],
)
def test_it_leaves_dates_counts_and_buildings_alone(text):
    kept = anonymise_text(text)
    assert kept == text.replace("东湖路12号", "东湖路××号")


STREETS = ["东湖路", "解放大道", "人民街", "滨江路", "建设巷", "中山北路", "桃园胡同"]
ESTATES = ["幸福小区", "金色家园", "滨江花园", "望江苑", "东湖社区", "阳光公寓", "锦绣新村"]
BUILDING_MARKS = ["栋", "号楼", "幢", "座"]


@st.composite
def home_address(draw) -> tuple[str, str, str]:
    """(address, the place to keep, the room number that must go)."""
    building = draw(st.integers(1, 40))
    unit = draw(st.integers(1, 6))
    floor = draw(st.integers(1, 33))
    room = f"{floor}{draw(st.integers(1, 4)):02d}"
    mark = draw(st.sampled_from(BUILDING_MARKS))
    flat = draw(
        st.sampled_from(
            [
                f"{building}{mark}{unit}单元{room}室",
                f"{building}{mark}{unit}单元{room}",
                f"{building}{mark}{room}",
                f"{building}{mark}{room}室",
                f"{building}-{unit}-{room}",
                f"{building}{mark}{unit}单元{floor}层{room}室",
            ]
        )
    )
    if draw(st.booleans()):
        place = draw(st.sampled_from(STREETS))
        address = f"{place}{draw(st.integers(1, 999))}号{flat}"
    else:
        place = draw(st.sampled_from(ESTATES))
        address = f"{place}{flat}"
    return address, place, room


@given(home_address(), st.sampled_from(["家住", "我住在", "租住"]), st.sampled_from(["，", "。"]))
def test_no_home_address_keeps_its_room_number(found, before, after):
    address, place, room = found
    result = anonymise_text(f"{before}{address}{after}楼上漏水已三个月")
    assert room not in result, (address, result)
    assert place in result and result.endswith(f"{after}楼上漏水已三个月")
