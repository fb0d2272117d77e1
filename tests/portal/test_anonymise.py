"""The anonymiser removes what identifies a case's people before text becomes public."""

from __future__ import annotations

import pytest

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
