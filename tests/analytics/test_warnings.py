"""Early warning: each rule fires on a hand-built fixture and stays quiet on a quiet one; a
rerun never raises a signal twice; acknowledging; who sees which warning (API and ledger)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.conftest import make_case
from tests.clock import at
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.analytics.models import EarlyWarning, Level, WarningRule
from xinfang.analytics.tasks import warnings_raise_task
from xinfang.analytics.warnings import (
    poisson_upper_tail,
    surge_score,
    warning_rule_update,
    warning_rules,
    warnings_raise,
)
from xinfang.core.errors import ValidationFailed
from xinfang.core.models import ConfigChange
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Category, Petition
from xinfang.prevention.services import (
    DisputeInput,
    screening_report_submit,
    special_period_create,
)

TODAY = date(2026, 3, 20)
Rating = Petition._meta.get_field("ratings").related_model


def _rate(p: Petition, level: str, on: date = TODAY) -> None:
    Rating.objects.create(
        petition=p, level=level, rated_at=timezone.make_aware(datetime.combine(on, time(9)))
    )


def _of(rule: str) -> list[EarlyWarning]:
    return list(EarlyWarning.objects.filter(rule=rule))


# --- the statistics ---------------------------------------------------------------------------


@given(c=st.integers(0, 300), days=st.integers(7, 90))
def test_constant_counts_never_surge(c, days):
    assert surge_score(c, [c] * days) < 2


@given(mean=st.floats(0.05, 50), k=st.integers(0, 120))
def test_the_poisson_tail_falls_as_the_count_rises(mean, k):
    a, b = poisson_upper_tail(k, mean), poisson_upper_tail(k + 1, mean)
    assert 0 <= b <= a <= 1 + 1e-12


def test_the_poisson_tail_matches_a_hand_computation():
    # P(X >= 2 | 1) = 1 - e^-1 (1 + 1) = 0.26424...
    assert abs(poisson_upper_tail(2, 1.0) - 0.2642411) < 1e-6


# --- (a) surge --------------------------------------------------------------------------------


def _baseline(unit, per_day: int = 1) -> None:
    for d in range(1, 29):
        for _ in range(per_day):
            make_case(unit, TODAY - timedelta(days=d))


@pytest.mark.django_db
def test_a_surge_against_the_units_own_baseline_raises_a_warning(org, dc_leader):
    _baseline(org.dongcheng)
    for _ in range(8):
        make_case(org.dongcheng, TODAY)
    warnings_raise(today=TODAY)
    unit_surge = EarlyWarning.objects.get(subject_key=f"surge:unit:{org.dongcheng.pk}")
    # P(X >= 8 | mean 1.02) ~ 1e-5: score ~5 -> orange (4 <= score < 6).
    assert unit_surge.level == Level.ORANGE
    assert unit_surge.cases.count() == 8
    assert "东城街道" in unit_surge.title


@pytest.mark.django_db
def test_an_ordinary_day_raises_no_surge(org):
    _baseline(org.dongcheng, per_day=3)
    for _ in range(3):
        make_case(org.dongcheng, TODAY)
    warnings_raise(today=TODAY)
    assert _of("surge") == []


# --- (b) gathering ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_people_of_one_place_and_matter_within_days_raise_a_gathering_warning(org):
    make_case(org.donghu, TODAY - timedelta(days=2), place="东湖路12号")
    make_case(org.donghu, TODAY - timedelta(days=1), place="东湖路 12号", headcount=4)
    make_case(org.dongcheng, TODAY, place="东湖路12号")
    warnings_raise(today=TODAY)
    [w] = _of("gathering")
    assert w.score == 6 and w.level == Level.BLUE
    assert w.cases.count() == 3 and w.unit == org.donghu


@pytest.mark.django_db
def test_different_places_or_old_cases_raise_no_gathering(org):
    make_case(org.donghu, TODAY, place="东湖路12号", headcount=4)
    make_case(org.donghu, TODAY, place="西门路3号", headcount=4)
    make_case(org.donghu, TODAY - timedelta(days=10), place="东湖路12号", headcount=4)
    warnings_raise(today=TODAY)
    assert _of("gathering") == []


def _subject(p: Petition, subject: str) -> None:
    Petition.objects.filter(pk=p.pk).update(subject=subject)


@pytest.mark.django_db
def test_cases_naming_no_place_gather_by_similar_subjects(org):
    _subject(make_case(org.donghu, TODAY, headcount=3), "东湖小区拆迁补偿款迟迟未发放")
    _subject(make_case(org.donghu, TODAY, headcount=3), "东湖小区拆迁补偿款未发放")
    _subject(make_case(org.donghu, TODAY), "西门路路灯不亮")
    warnings_raise(today=TODAY)
    [w] = _of("gathering")
    assert w.cases.count() == 2 and w.score == 6 and w.place == ""


@pytest.mark.django_db
def test_dissimilar_subjects_without_a_place_do_not_gather(org):
    _subject(make_case(org.donghu, TODAY, headcount=3), "东湖小区拆迁补偿款未发放")
    _subject(make_case(org.donghu, TODAY, headcount=3), "西门路路灯不亮")
    warnings_raise(today=TODAY)
    assert _of("gathering") == []


# --- (c) level skip ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_matter_open_below_brought_above_raises_a_level_skip_warning(org):
    first = make_case(org.donghu, TODAY - timedelta(days=10), state="in_progress")
    make_case(org.district, TODAY, repeat_of=first)
    warnings_raise(today=TODAY)
    [w] = _of("level_skip")
    # 东湖社区 (depth 4) -> 城南区 (depth 2): two levels up.
    assert w.level == Level.YELLOW and w.unit == org.donghu
    assert w.cases.count() == 2


@pytest.mark.django_db
def test_a_concluded_matter_or_a_repeat_at_the_same_level_is_no_level_skip(org):
    done = make_case(org.donghu, TODAY - timedelta(days=10), state="concluded")
    make_case(org.district, TODAY, repeat_of=done)
    still_open = make_case(org.donghu, TODAY - timedelta(days=10), state="in_progress")
    make_case(org.donghu, TODAY, repeat_of=still_open)
    warnings_raise(today=TODAY)
    assert _of("level_skip") == []


# --- (d) sensitive period ---------------------------------------------------------------------


def _high_risk_dispute(org) -> None:
    """An informant of 东湖一组 reports one open high-risk dispute."""
    staff = StaffFactory(username="inf")
    MembershipFactory(staff=staff, unit=org.group, role="informant")
    category = Category.objects.get(code="urban.municipal")
    screening_report_submit(
        actor=staff,
        unit=org.group,
        period_start=date(2026, 3, 16),
        is_zero=False,
        disputes=[
            DisputeInput(subject="纠纷", parties="甲、乙", category=category, risk_level="high")
        ],
        now=at(2026, 3, 20, 9),
    )


@pytest.mark.django_db
def test_a_sensitive_period_ahead_with_open_high_risk_disputes_raises_a_warning(org):
    _high_risk_dispute(org)
    special_period_create(
        actor=None,
        name="全国两会",
        starts_on=TODAY + timedelta(days=3),
        ends_on=TODAY + timedelta(days=10),
        units=[org.district],
        now=at(2026, 3, 20, 10),
    )
    warnings_raise(today=TODAY)
    [w] = _of("sensitive")
    assert w.unit == org.district and w.level == Level.BLUE and len(w.dispute_ids) == 1
    # Quiet: the same period far ahead is outside the 7 days' look-ahead.
    EarlyWarning.objects.all().delete()
    warnings_raise(today=TODAY - timedelta(days=30))
    assert _of("sensitive") == []


@pytest.mark.django_db
def test_no_sensitive_period_no_warning_even_with_high_risk_disputes(org):
    _high_risk_dispute(org)
    warnings_raise(today=TODAY)
    assert _of("sensitive") == []


# --- (e) dissatisfied -------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_dissatisfied_ratings_on_one_matter_raise_a_warning(org):
    first = make_case(org.dongcheng, TODAY - timedelta(days=90))
    second = make_case(org.dongcheng, TODAY - timedelta(days=40), repeat_of=first)
    third = make_case(org.dongcheng, TODAY - timedelta(days=20), repeat_of=second)
    for p in (first, second, third):
        _rate(p, "dissatisfied")
    warnings_raise(today=TODAY)
    [w] = _of("dissatisfied")
    assert w.subject_key == f"dissatisfied:{first.pk}"
    assert w.level == Level.YELLOW and w.cases.count() == 3


@pytest.mark.django_db
def test_one_dissatisfied_rating_per_matter_raises_nothing(org):
    first = make_case(org.dongcheng, TODAY - timedelta(days=90))
    second = make_case(org.dongcheng, TODAY - timedelta(days=40), repeat_of=first)
    _rate(first, "satisfied")
    _rate(second, "dissatisfied")
    other = make_case(org.dongcheng, TODAY - timedelta(days=40))
    _rate(other, "dissatisfied")
    warnings_raise(today=TODAY)
    assert _of("dissatisfied") == []


# --- idempotence and notifications ------------------------------------------------------------


@pytest.fixture
def gathering(org):
    # Three cases on one day in a quiet unit are a surge too: only the gathering rule here.
    WarningRule.objects.filter(pk=warning_rules()["surge"].pk).update(enabled=False)
    for _ in range(3):
        make_case(org.dongcheng, TODAY, place="东湖路12号", headcount=2)


@pytest.mark.django_db
def test_running_twice_raises_one_warning_and_notifies_once(
    org, gathering, dc_leader, district_supervisor, dc_handler
):
    warnings_raise(today=TODAY)
    warnings_raise(today=TODAY)
    warnings_raise(today=TODAY + timedelta(days=1))
    assert EarlyWarning.objects.count() == 1
    # The unit's leader and the supervisor above, once each; not the handler.
    notes = Notification.objects.filter(dedupe_key__startswith="warning:")
    assert sorted(n.recipient.username for n in notes) == ["dc_leader", "district_supervisor"]


@pytest.mark.django_db
def test_a_growing_signal_raises_its_level_and_notifies_again(org, gathering, dc_leader):
    warnings_raise(today=TODAY)
    for _ in range(3):
        make_case(org.dongcheng, TODAY, place="东湖路12号", headcount=2)
    warnings_raise(today=TODAY)
    [w] = EarlyWarning.objects.all()
    assert w.level == Level.YELLOW and w.cases.count() == 6
    assert Notification.objects.filter(recipient=dc_leader).count() == 2


@pytest.mark.django_db
def test_a_disabled_rule_raises_nothing(org, gathering):
    rule = warning_rules()["gathering"]
    rule.enabled = False
    rule.save()
    warnings_raise(today=TODAY)
    assert EarlyWarning.objects.count() == 0


# --- rules screen -----------------------------------------------------------------------------


@pytest.fixture
def admin_user(org):
    staff = StaffFactory(username="city_admin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


@pytest.mark.django_db
def test_an_admin_tunes_a_rule_and_the_change_is_logged(client, admin_user, dc_leader):
    client.force_login(admin_user)
    page = client.get("/analytics/warnings/rules/")
    assert page.status_code == 200 and "集体访苗头" in page.content.decode()
    values = {"kind": "gathering", "enabled": "on", "window_days": 5, "baseline_days": 28}
    values |= {"min_count": 2, "blue": 3, "yellow": 6, "orange": 9, "red": 12}
    client.post("/analytics/warnings/rules/", values)
    rule = WarningRule.objects.get(kind="gathering")
    assert (rule.window_days, rule.blue) == (5, Decimal(3))
    change = ConfigChange.objects.get(kind="warning_rule")
    assert change.actor == admin_user
    client.force_login(dc_leader)
    assert client.get("/analytics/warnings/rules/").status_code == 403


@pytest.mark.django_db
def test_thresholds_must_rise_from_blue_to_red(admin_user):
    with pytest.raises(ValidationFailed):
        warning_rule_update(
            actor=admin_user,
            kind="surge",
            values={"enabled": True, "blue": 3, "yellow": 2, "orange": 4, "red": 5},
        )


# --- pages, API, visibility -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_warnings_page_and_the_dashboard_panel_link_to_the_cases(
    client, org, gathering, dc_leader
):
    warnings_raise(today=TODAY)
    w = EarlyWarning.objects.get()
    client.force_login(dc_leader)
    page = client.get("/analytics/warnings/").content.decode()
    assert w.title in page and f"?set=warn%3A{w.pk}" in page
    ledger = client.get(f"/petitions/?set=warn:{w.pk}").content.decode()
    assert "共 3 件" in ledger
    dash = client.get("/analytics/").content.decode()
    assert 'id="warnings-panel"' in dash and w.title in dash


@pytest.mark.django_db
def test_acknowledging_with_a_note(api, org, gathering, dc_leader, dc_handler):
    warnings_raise(today=TODAY)
    w = EarlyWarning.objects.get()
    url = f"/api/v1/warnings/{w.pk}/acknowledge/"
    assert api.as_(dc_handler).post(url, {"note": "已知"}, format="json").status_code == 403
    assert api.as_(dc_leader).post(url, {"note": ""}, format="json").status_code == 400
    # A note that is not text is refused with a message (it was a 500, found by make fuzz).
    for note in ([None, None], 7, {"a": 1}):
        answer = api.as_(dc_leader).post(url, {"note": note}, format="json")
        assert answer.status_code == 400, note
    assert api.as_(dc_leader).post(url, [1, 2], format="json").status_code == 400
    body = api.as_(dc_leader).post(url, {"note": "已安排包案领导接谈"}, format="json").json()
    assert body["acknowledged_by"] and body["acknowledge_note"] == "已安排包案领导接谈"
    assert api.as_(dc_leader).post(url, {"note": "再签"}, format="json").status_code == 400
    open_ = api.as_(dc_leader).get("/api/v1/warnings/?status=open").json()
    assert open_["count"] == 0


@pytest.mark.django_db
def test_the_api_shows_only_warnings_of_units_the_user_may_see(
    api, org, gathering, dc_leader, xc_handler, district_supervisor
):
    warnings_raise(today=TODAY)
    body = api.as_(dc_leader).get("/api/v1/warnings/").json()
    assert body["count"] == 1 and body["results"][0]["case_count"] == 3
    assert body["results"][0]["ledger_url"].endswith(f"?set=warn%3A{body['results'][0]['id']}")
    assert api.as_(xc_handler).get("/api/v1/warnings/").json()["count"] == 0
    assert api.as_(district_supervisor).get("/api/v1/warnings/?level=1").json()["count"] == 1
    assert api.as_(district_supervisor).get("/api/v1/warnings/?level=4").json()["count"] == 0


@pytest.mark.django_db
def test_an_accusations_warning_is_hidden_from_the_accused_units_subtree(
    api, client, org, dc_leader, district_supervisor
):
    # An accusation against 东城街道 handled in 东湖社区 (inside 东城's subtree, as a test can
    # arrange): its dissatisfied repeats raise a warning 东城's leader must not see.
    first = make_case(
        org.donghu, TODAY - timedelta(days=60), is_accusation=True, accused_unit=org.dongcheng
    )
    second = make_case(
        org.donghu,
        TODAY - timedelta(days=30),
        is_accusation=True,
        accused_unit=org.dongcheng,
        repeat_of=first,
    )
    _rate(first, "dissatisfied")
    _rate(second, "dissatisfied")
    warnings_raise(today=TODAY)
    w = EarlyWarning.objects.get(rule="dissatisfied")
    assert api.as_(dc_leader).get("/api/v1/warnings/").json()["count"] == 0
    url = f"/api/v1/warnings/{w.pk}/acknowledge/"
    assert api.as_(dc_leader).post(url, {"note": "x"}, format="json").status_code == 404
    client.force_login(dc_leader)
    assert "共 0 件" in client.get(f"/petitions/?set=warn:{w.pk}").content.decode()
    assert client.get(f"/analytics/warnings/{w.pk}/").status_code == 404
    seen = api.as_(district_supervisor).get("/api/v1/warnings/").json()
    assert seen["count"] == 1 and seen["results"][0]["case_count"] == 2


@pytest.mark.django_db
def test_a_warning_names_no_petitioner(org, gathering):
    warnings_raise(today=TODAY)
    w = EarlyWarning.objects.get()
    fields = {f.name for f in EarlyWarning._meta.get_fields()}
    assert not fields & {"petitioner", "petitioners", "person", "id_number", "phone"}
    assert w.place == "东湖路12号"


@pytest.mark.django_db
def test_the_schema_lists_the_warnings_api(api, dc_leader):
    paths = api.as_(dc_leader).get("/api/v1/schema/?format=json").json()["paths"]
    assert "/api/v1/warnings/" in paths
    assert "post" in paths["/api/v1/warnings/{id}/acknowledge/"]


@pytest.mark.django_db
def test_a_leader_acknowledges_on_the_warning_page(client, org, gathering, dc_leader):
    warnings_raise(today=TODAY)
    w = EarlyWarning.objects.get()
    client.force_login(dc_leader)
    page = client.get(f"/analytics/warnings/{w.pk}/").content.decode()
    assert 'name="note"' in page
    client.post(f"/analytics/warnings/{w.pk}/acknowledge/", {"note": "已约谈社区负责人"})
    w.refresh_from_db()
    assert w.acknowledged_by == dc_leader and w.acknowledge_note == "已约谈社区负责人"
    page = client.get(f"/analytics/warnings/{w.pk}/").content.decode()
    assert "已约谈社区负责人" in page and 'name="note"' not in page


@pytest.mark.django_db
def test_the_hourly_job_raises_the_warnings(org):
    for _ in range(3):
        make_case(org.dongcheng, timezone.localdate(), place="东湖路12号", headcount=2)
    result = warnings_raise_task.call_local()
    assert result["raised"] >= 1
    assert EarlyWarning.objects.filter(rule="gathering").count() == 1
    assert warnings_raise_task.call_local()["raised"] == 0
