"""Issue 16: the category suggester on the registration screen and in the API — trained from
the system's own cases, loaded once per process, only ever suggesting (the registrar
chooses), and the registration records whether a suggestion was taken."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import _member
from tests.petitions.factories import REPLY, register
from xinfang.petitions.models import Category, PetitionEvent
from xinfang.textmining import suggester as pure
from xinfang.units.models import Staff
from xinfang.workflow import services as wf
from xinfang.workflow.category_suggester import (
    category_suggestions,
    category_units,
    suggester_model,
    suggester_train_from_cases,
    suggestion_outcome,
)

WATER = [
    ("小区下水道堵塞污水漫溢", "东湖路小区下水道堵塞一个月，污水漫到路面，请求疏通下水道。"),
    ("下水道井盖破损", "小区门口下水道井盖破损，污水外溢，路面积水，请市政维修。"),
    ("路灯不亮下水道返臭", "东湖路路灯损坏不亮，下水道返臭，请市政设施养护单位维修。"),
    ("市政下水道堵塞", "市政下水道长期堵塞，雨天积水严重，请求尽快疏通维修。"),
]
WAGES = [
    ("工地拖欠农民工工资", "在建筑工地干活半年，老板拖欠工资三万元不发，请求追讨工资。"),
    ("公司拖欠工资", "公司连续三个月拖欠职工工资，多次讨要无果，请劳动监察处理。"),
    ("包工头欠薪", "包工头拖欠我们十几个工人的工资，年底了还不发，请求帮助讨薪。"),
    ("讨要拖欠工资", "饭店老板拖欠服务员工资两个月，请求劳动监察部门责令支付工资。"),
]


@pytest.fixture
def model_path(settings, tmp_path):
    settings.SUGGESTER_MODEL_PATH = tmp_path / "suggester.model"
    return settings.SUGGESTER_MODEL_PATH


def concluded_case(unit, **kwargs):
    """A case registered, accepted, handled and concluded at `unit` by its own staff (the
    suggester learns only from concluded cases)."""
    key = unit.code.lower().replace("-", "_")
    registrar, leader, handler = (
        Staff.objects.filter(username=f"{key}_{role}").first()
        or _member(f"{key}_{role}", unit, role)
        for role in ("registrar", "leader", "handler")
    )
    p = register(registrar, unit, **kwargs)
    p = wf.petition_accept(petition=p, actor=leader)
    p = wf.petition_start(petition=p, actor=handler)
    return wf.petition_conclude(petition=p, actor=leader, reply=REPLY)


def concluded_cases(org) -> list:
    """The water cases (two answered by 东城街道, two by 西城街道: no unit decides them) and
    the wages cases (all answered by 东城街道)."""
    made = [
        concluded_case(org.dongcheng if i < 2 else org.xicheng, subject=subject, content=content)
        for i, (subject, content) in enumerate(WATER)
    ]
    return made + [
        concluded_case(org.dongcheng, subject=subject, content=content, category="labour.wages")
        for subject, content in WAGES
    ]


@pytest.fixture
def trained(org, model_path):
    concluded_cases(org)
    model = suggester_train_from_cases()
    assert model is not None and model_path.exists()
    return model


def login(client, user):
    client.force_login(user)
    return client


def test_without_a_model_nothing_is_suggested_and_the_panel_says_so(
    client, dc_registrar, model_path
):
    assert suggester_model() is None
    assert category_suggestions("拖欠工资", "老板拖欠工资") is None
    page = login(client, dc_registrar).get(
        reverse("petitions:suggest_category"), {"subject": "拖欠工资"}
    )
    assert "分类建议模型尚未训练" in page.content.decode()
    assert 'name="suggested_categories"' not in page.content.decode()


def test_too_few_cases_train_no_model(org, dc_registrar, model_path):
    register(dc_registrar, org.dongcheng)
    assert suggester_train_from_cases() is None
    assert not model_path.exists()


def test_only_concluded_cases_are_learnt_from(org, dc_registrar, model_path):
    # Enough cases of two categories, but none concluded: nothing to learn from.
    for subject, content in WATER:
        register(dc_registrar, org.dongcheng, subject=subject, content=content)
    for subject, content in WAGES:
        register(
            dc_registrar, org.dongcheng, subject=subject, content=content, category="labour.wages"
        )
    assert suggester_train_from_cases() is None
    concluded_cases(org)
    model = suggester_train_from_cases()
    assert model is not None and model.meta["n_train"] == 8


def test_a_category_one_unit_answers_suggests_that_unit(trained, org, model_path):
    assert category_units() == {
        "labour.wages": {"unit": org.dongcheng.pk, "share": 1.0, "cases": 4}
    }
    [wages, *rest] = category_suggestions("老板拖欠工资", "工地老板拖欠我们的工资不发")
    assert wages.unit == org.dongcheng
    assert wages.unit_confidence == pytest.approx(wages.confidence, abs=1e-3)
    # The water cases are answered by two streets: the category decides no unit.
    assert all(s.unit is None and s.unit_confidence is None for s in rest)
    assert model_path.with_name(model_path.name + ".units.json").exists()


def test_trained_on_the_cases_it_suggests_their_categories_best_first(trained, model_path):
    assert sorted(trained.labels) == ["labour.wages", "urban.municipal"]
    found = category_suggestions("老板拖欠工资", "工地老板拖欠我们的工资不发")
    assert found[0].category.code == "labour.wages"
    assert len(found) <= 3
    confidences = [s.confidence for s in found]
    assert confidences == sorted(confidences, reverse=True) and 0 < sum(confidences) <= 1.0001
    water = category_suggestions("下水道堵塞", "小区下水道堵塞污水漫溢")
    assert water[0].category.code == "urban.municipal"
    # Nothing to go on: no suggestion rather than a guess.
    assert category_suggestions("", "") == []
    # Loaded once per process: the same object until the file is replaced.
    assert suggester_model() is suggester_model()
    suggester_train_from_cases()
    assert model_path.with_name(model_path.name + ".prev").exists()


def test_a_switched_off_category_is_never_suggested(trained):
    Category.objects.filter(code="labour.wages").update(is_active=False)
    found = category_suggestions("老板拖欠工资", "工地老板拖欠我们的工资不发")
    assert "labour.wages" not in [s.category.code for s in found]


def test_the_panel_offers_buttons_and_chooses_nothing(client, trained, dc_registrar):
    page = login(client, dc_registrar).get(
        reverse("petitions:suggest_category"),
        {"subject": "老板拖欠工资", "content": "工地老板拖欠我们的工资不发"},
    )
    html = page.content.decode()
    wages = Category.objects.get(code="labour.wages")
    assert f'data-category="{wages.pk}"' in html
    assert 'name="suggested_categories" value="labour.wages' in html
    assert "selected" not in html
    form = login(client, dc_registrar).get(reverse("petitions:new")).content.decode()
    assert reverse("petitions:suggest_category") in form


@pytest.mark.parametrize(
    ("chosen", "accepted", "rank"),
    [("labour.wages", True, 1), ("urban.municipal", True, 2), ("education.fees", False, None)],
)
def test_registration_records_a_suggestion_accepted_or_corrected(
    client, org, dc_registrar, chosen, accepted, rank
):
    form = {
        "receiving_unit": org.dongcheng.pk,
        "channel": "visit",
        "received_at": "2026-11-20T09:30",
        "is_anonymous": "on",
        "kind": "other",
        "headcount": 1,
        "subject": "老板拖欠工资",
        "content": "工地老板拖欠我们的工资不发",
        "difficulty": "minor",
        "category": Category.objects.get(code=chosen).pk,
        "idempotency_key": f"s-{chosen}",
        "suggested_categories": "labour.wages,urban.municipal",
    }
    response = login(client, dc_registrar).post(reverse("petitions:new"), form)
    assert response.status_code == 302, response.content.decode()
    event = PetitionEvent.objects.get(kind="register")
    assert event.data["category_suggestion"] == {
        "offered": ["labour.wages", "urban.municipal"],
        "accepted": accepted,
        "rank": rank,
    }


def test_the_api_registration_records_a_corrected_suggestion(api, org, dc_registrar):
    body = {
        "channel": "visit",
        "received_at": "2026-11-20T09:30:00+08:00",
        "receiving_unit": org.dongcheng.pk,
        "subject": "老板拖欠工资",
        "content": "工地老板拖欠我们的工资不发",
        "category": Category.objects.get(code="education.fees").pk,
        "is_anonymous": True,
        "suggested_categories": ["labour.wages", "urban.municipal"],
    }
    response = api.as_(dc_registrar).post("/api/v1/petitions/", body, format="json")
    assert response.status_code == 201, response.content
    event = PetitionEvent.objects.get(petition_id=response.json()["id"], kind="register")
    assert event.data["category_suggestion"] == {
        "offered": ["labour.wages", "urban.municipal"],
        "accepted": False,
        "rank": None,
    }


def test_registration_without_suggestions_records_none(org, dc_registrar):
    p = register(dc_registrar, org.dongcheng)
    assert "category_suggestion" not in p.events.get(kind="register").data
    assert suggestion_outcome([], Category.objects.get(code="urban.municipal"))["accepted"] is False


def test_the_api_suggests_and_is_in_the_schema(api, trained, dc_registrar):
    client = api.as_(dc_registrar)
    body = client.post(
        "/api/v1/category-suggestions/",
        {"subject": "老板拖欠工资", "content": "工地老板拖欠我们的工资不发"},
        format="json",
    ).json()
    assert body["available"] is True
    assert body["suggestions"][0]["code"] == "labour.wages"
    first = body["suggestions"][0]
    assert set(first) == {
        "id",
        "code",
        "name",
        "confidence",
        "responsible_unit",
        "unit_confidence",
    }
    assert first["responsible_unit"]["name"] == "东城街道" and 0 < first["unit_confidence"] <= 1
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/category-suggestions/" in schema


def test_the_api_says_when_there_is_no_model(api, dc_registrar, model_path):
    body = (
        api.as_(dc_registrar)
        .post("/api/v1/category-suggestions/", {"subject": "拖欠工资"}, format="json")
        .json()
    )
    assert body == {"available": False, "suggestions": []}


def test_the_model_is_the_pure_packages(trained):
    assert isinstance(trained, pure.Suggester)
