"""Words a person understands (issue 20, item 10): one spelling of the tracking code, the
length of a field said in characters, an invalid ledger filter named, Chinese 404 pages."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.petitions.factories import register
from xinfang.core.tracking import display_tracking_code, format_tracking_code
from xinfang.petitions.models import Category, Petition

TRACKING = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}")


def registration(org, **overrides) -> dict:
    return {
        "receiving_unit": org.dongcheng.pk,
        "channel": "visit",
        "received_at": "2026-11-20T09:30",
        "is_anonymous": "on",
        "kind": "other",
        "headcount": 1,
        "subject": "小区门口下水道堵塞",
        "content": "东湖路12号小区门口下水道堵塞一个多月。",
        "difficulty": "minor",
        "category": Category.objects.get(code="urban.municipal").pk,
        "idempotency_key": "plain-words",
        **overrides,
    }


def test_it_spells_the_tracking_code_one_way():
    code = "H2Y64PV13XP"
    assert format_tracking_code(code) == "H2Y6-4PV1-3XP"
    assert display_tracking_code(code) == "H2Y6-4PV1-3XP"
    # An imported or legacy value that is not a code stays as it is (never an error page).
    assert display_tracking_code("T-0001") == "T-0001"


def test_the_registration_message_and_the_api_show_the_grouped_code(client, api, org, dc_registrar):
    client.force_login(dc_registrar)
    response = client.post(reverse("petitions:new"), registration(org))
    assert response.status_code == 302, response.content.decode()
    petition = Petition.objects.get()
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"已登记，查询码 {petition.tracking_code_display}。" in said[0]
    assert TRACKING.fullmatch(petition.tracking_code_display)
    assert str(petition).startswith(petition.tracking_code_display)
    body = api.as_(dc_registrar).get(f"/api/v1/petitions/{petition.pk}/").json()
    assert body["tracking_code"] == petition.tracking_code  # what a program looks up by
    assert body["tracking_code_display"] == petition.tracking_code_display


def test_a_too_long_subject_is_said_in_characters_with_its_field(client, org, dc_registrar):
    client.force_login(dc_registrar)
    response = client.post(reverse("petitions:new"), registration(org, subject="长" * 5000))
    assert response.status_code == 400
    page = response.content.decode()
    assert "标题最多 200 字（现在 5000 字）" in page
    assert "变量" not in page and "字符数" not in page
    assert not Petition.objects.exists()


def test_every_form_says_a_length_in_characters():
    field = forms.CharField(max_length=5)
    with pytest.raises(forms.ValidationError) as too_long:
        field.clean("一二三四五六")
    assert too_long.value.messages == ["最多 5 字（现在 6 字）"]
    with pytest.raises(forms.ValidationError) as too_short:
        forms.CharField(min_length=3).clean("一")
    assert too_short.value.messages == ["至少 3 字（现在 1 字）"]


@pytest.fixture
def two_cases(org, dc_registrar):
    return (
        register(dc_registrar, org.dongcheng, subject="小区门口下水道堵塞"),
        register(dc_registrar, org.dongcheng, subject="路灯不亮", channel="letter"),
    )


def test_an_invalid_ledger_filter_is_named_and_the_valid_ones_still_apply(
    client, dc_registrar, two_cases
):
    client.force_login(dc_registrar)
    response = client.get(
        "/petitions/", {"unit": "999999", "received_after": "2026-13-01", "q": "路灯"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    errors = page.split('id="ledger-filter-errors"', 1)[1].split("</div>", 2)[1]
    assert "以下筛选条件无效" in page
    assert "责任单位（含下级）“999999”" in errors and "收到日期从“2026-13-01”" in errors
    # The search words were valid: only the street light is listed.
    rows = page.split('id="ledger-rows"', 1)[1].split("</tbody>", 1)[0]
    sewer, light = two_cases
    assert f'href="/petitions/{light.pk}/"' in rows
    assert f'href="/petitions/{sewer.pk}/"' not in rows


def test_valid_filters_show_no_warning_and_fold_behind_one_button_with_their_count(
    client, dc_registrar, two_cases
):
    client.force_login(dc_registrar)
    page = client.get("/petitions/", {"channel": "letter", "sort": "due", "q": "路"})
    html = page.content.decode()
    assert "ledger-filter-errors" not in html
    assert 'id="ledger-filters-toggle"' in html and "更多条件（2）" in html
    assert 'class="collapse d-md-block" id="ledger-filters"' in html
    rows = html.split('id="ledger-rows"', 1)[1].split("</tbody>", 1)[0]
    # Each row carries what its card shows on a phone.
    for col in ("code", "unit", "state", "due"):
        assert f'data-col="{col}"' in rows
    sewer, light = two_cases
    assert f'href="/petitions/{light.pk}/"' in rows
    assert f'href="/petitions/{sewer.pk}/"' not in rows


@pytest.mark.parametrize("path", ["/nonexistent-url/", "/petitions/abc/", "/petitions/0/"])
def test_a_bad_url_shows_the_chinese_404_page(client, dc_handler, settings, path):
    settings.DEBUG = False
    client.force_login(dc_handler)
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert re.search(r"[\u4e00-\u9fff]", heading), heading
    assert "Resolver404" not in page and "matches the given query" not in page
    assert "回到工作台" in page


def test_a_bad_url_on_the_public_site_shows_the_public_404_page(client, settings, db):
    """A petitioner who mistypes an address on the public site stays on the public site's
    layout, with the way back to it and to the lookup, never the staff workbench's page."""
    settings.DEBUG = False
    response = client.get("/portal/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "没有找到您要的页面" in page and 'href="/portal/track/"' in page
    assert "回到工作台" not in page
