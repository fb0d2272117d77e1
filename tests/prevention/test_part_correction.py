"""A department corrects its own part (分项) of the week's screening report alone (issue 20):
its filer, or the unit's registrar, until the report is due; the part's items are replaced
in one new version, every other part stays, and the versions keep what the part said."""

from __future__ import annotations

import pytest
import time_machine

from tests.clock import at
from tests.conftest import _member
from tests.prevention.test_screening_parts import NOW, _item_post, item, part
from xinfang.core.errors import NotPermitted, ValidationFailed, VersionConflict
from xinfang.prevention.models import Dispute, ScreeningPeriod
from xinfang.prevention.selectors import report_items, report_parts
from xinfang.prevention.services import (
    part_item_ids,
    screening_part_correct,
    screening_part_correction_refusal,
)


@pytest.fixture
def filed(school, heads, category):
    """教务处 filed two items, then 安保处 one."""
    teaching, security = heads
    teaching_part = part(
        teaching, school, "教务处", disputes=[item(category, "分班"), item(category, "收费")]
    )
    security_part = part(security, school, "安保处", disputes=[item(category, "校门拥堵")])
    return teaching_part, security_part


def subjects(report) -> list[str]:
    return [d.subject for d in report_items(report)]


def test_the_filer_corrects_their_part_alone(school, heads, category, filed):
    teaching, _ = heads
    teaching_part, security_part = filed
    corrected = screening_part_correct(
        actor=teaching,
        report=teaching_part,
        is_zero=False,
        disputes=[item(category, "分班（已核实）")],
        reason="收费一条是误报",
        now=NOW,
    )
    assert corrected.version == 3 and corrected.is_current
    assert (corrected.corrects_part, corrected.part) == ("教务处", "")
    assert corrected.correction_reason == "收费一条是误报" and corrected.submitted_by == teaching
    assert sorted(subjects(corrected)) == ["分班（已核实）", "校门拥堵"]
    # The versions keep what the part said before; the security office's item is untouched.
    assert sorted(subjects(security_part)) == ["分班", "收费", "校门拥堵"]
    kept = Dispute.objects.get(subject="校门拥堵")
    assert kept.reported_in == security_part and kept.withdrawn_in is None
    period = ScreeningPeriod.objects.get(pk=teaching_part.period_id)
    assert period.current_report == corrected and period.status == "filed"
    parts = {p.part: p for p in report_parts(corrected)}
    assert parts["教务处"].n_items == 1 and parts["教务处"].corrected_at == NOW
    assert parts["安保处"].n_items == 1 and parts["安保处"].corrected_at is None
    # A second correction of the part replaces the corrected items, not the others.
    again = screening_part_correct(
        actor=teaching, report=teaching_part, is_zero=True, now=NOW, basis=[
            d.pk for d in report_items(corrected) if d.subject == "分班（已核实）"
        ],
    )  # fmt: skip
    assert subjects(again) == ["校门拥堵"] and not again.is_zero
    assert again.correction_reason == "更正“教务处”分项"


def test_the_units_registrar_may_correct_anyones_part(school, heads, category, filed):
    teaching_part, _ = filed
    desk = _member("school_desk", school, "registrar")
    assert screening_part_correction_refusal(desk, teaching_part, NOW) is None
    corrected = screening_part_correct(
        actor=desk, report=teaching_part, is_zero=True, reason="教务处电话告知均已化解", now=NOW
    )
    assert subjects(corrected) == ["校门拥堵"] and corrected.submitted_by == desk


def test_someone_elses_part_is_refused_in_chinese_and_nothing_changes(
    client, school, heads, category, filed
):
    _, security = heads
    teaching_part, security_part = filed
    refusal = screening_part_correction_refusal(security, teaching_part, NOW)
    assert isinstance(refusal, NotPermitted)
    assert refusal.message == "“教务处”分项由钱教务报送，只有报送人本人或本单位登记员可以更正。"
    with pytest.raises(NotPermitted, match="只有报送人本人或本单位登记员可以更正"):
        screening_part_correct(actor=security, report=teaching_part, is_zero=True, now=NOW)
    url = f"/prevention/screening/part/{teaching_part.pk}/correct/"
    with time_machine.travel(NOW, tick=False):
        client.force_login(security)
        page = client.get(url)
        posted = client.post(url, {"is_zero": "1"})
        detail = client.get(f"/prevention/screening/reports/{security_part.pk}/")
    assert (
        page.status_code == 403 and "只有报送人本人或本单位登记员可以更正" in page.content.decode()
    )
    assert posted.status_code == 403
    html = detail.content.decode()
    assert f'href="{url}"' not in html and 'data-part-correct="安保处"' in html
    period = ScreeningPeriod.objects.get(pk=teaching_part.period_id)
    assert period.current_report == security_part


def test_after_the_report_is_due_the_part_is_corrected_with_the_whole_report(
    school, heads, category, filed
):
    teaching, _ = heads
    teaching_part, _ = filed
    late = at(2026, 3, 24, 9)
    with pytest.raises(ValidationFailed, match="不能再单独更正分项；如需修改，请更正本期报告"):
        screening_part_correct(actor=teaching, report=teaching_part, is_zero=True, now=late)


def test_a_correction_made_meanwhile_is_not_undone(school, heads, category, filed):
    teaching, _ = heads
    teaching_part, _ = filed
    basis = part_item_ids(teaching_part.period, "教务处")
    desk = _member("school_desk", school, "registrar")
    screening_part_correct(actor=desk, report=teaching_part, is_zero=True, now=NOW)
    with pytest.raises(VersionConflict, match="刚被他人更正过"):
        screening_part_correct(
            actor=teaching, report=teaching_part, is_zero=True, basis=basis, now=NOW
        )


def test_the_page_starts_from_the_parts_items_and_saves_the_correction(
    client, school, heads, category, filed
):
    teaching, _ = heads
    teaching_part, _ = filed
    url = f"/prevention/screening/part/{teaching_part.pk}/correct/"
    with time_machine.travel(NOW, tick=False):
        client.force_login(teaching)
        detail = client.get(f"/prevention/screening/reports/{teaching_part.pk}/").content.decode()
        page = client.get(url).content.decode()
        basis = page.split('name="basis" value="')[1].split('"')[0]
        response = client.post(
            url,
            {
                "basis": basis,
                "submit": "1",
                "correction_reason": "合并为一条",
                **_item_post(category, "分班和收费问题"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        shown = client.get(response["Location"]).content.decode()
    assert f'href="{url}"' in detail
    assert 'value="分班"' in page and 'value="收费"' in page and "校门拥堵" not in page
    period = ScreeningPeriod.objects.get(pk=teaching_part.period_id)
    assert sorted(subjects(period.current_report)) == ["分班和收费问题", "校门拥堵"]
    assert "已更正" in shown.split('id="xf-parts"')[1].split("</ul>")[0]


def test_no_template_comment_leaks_onto_the_pages(client, school, heads, filed):
    teaching, _ = heads
    teaching_part, _ = filed
    with time_machine.travel(NOW, tick=False):
        client.force_login(teaching)
        for url in (
            f"/prevention/screening/part/{teaching_part.pk}/correct/",
            f"/prevention/screening/reports/{teaching_part.pk}/",
            f"/prevention/screening/part/?unit={school.pk}&period=2026-03-16",
        ):
            assert "{#" not in client.get(url).content.decode(), url


def test_the_api_corrects_a_part_and_refuses_someone_else(api, school, heads, category, filed):
    teaching, security = heads
    teaching_part, _ = filed
    url = f"/api/v1/screening/parts/{teaching_part.pk}/correction/"
    body = {
        "disputes": [{"subject": "分班", "parties": "家长代表", "category": category.code}],
        "reason": "收费一条是误报",
    }
    with time_machine.travel(NOW, tick=False):
        refused = api.as_(security).post(url, body, format="json")
        done = api.as_(teaching).post(url, body, format="json")
        stale = api.as_(teaching).post(
            url, {"is_zero": True, "basis": [teaching_part.pk * 1000]}, format="json"
        )
    assert refused.status_code == 403
    assert "只有报送人本人或本单位登记员可以更正" in refused.json()["message"]
    assert done.status_code == 201, done.json()
    assert (done.json()["corrects_part"], done.json()["version"]) == ("教务处", 3)
    assert stale.status_code == 409 and "刚被他人更正过" in stale.json()["message"]
