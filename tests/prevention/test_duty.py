"""The duty roster: shifts with an officer and a leader, swaps kept on record, today's duty
for the workbench, and the duty log that registers petitions."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from tests.clock import at
from tests.conftest import _member
from xinfang.core.crypto import is_token
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Category
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import DutyLogEntry, DutyShift
from xinfang.prevention.selectors import duty_today_for
from xinfang.prevention.services import (
    PetitionDraft,
    duty_log_add,
    duty_log_register_petition,
    duty_roster_fill,
    duty_shift_create,
    duty_swap,
)

DAY = date(2026, 3, 5)


@pytest.fixture
def shift(org, dc_registrar, dc_handler, dc_leader) -> DutyShift:
    return duty_shift_create(
        actor=dc_registrar,
        unit=org.dongcheng,
        on_date=DAY,
        officer=dc_handler,
        leader=dc_leader,
        officer_phone="0716-6121234",
    )


def test_a_shift_runs_from_half_past_eight_for_a_day(shift, dc_handler, dc_leader):
    assert shift.starts_at == at(2026, 3, 5, 8, 30)
    assert shift.ends_at == at(2026, 3, 6, 8, 30)
    assert (shift.officer, shift.leader, shift.officer_phone) == (
        dc_handler,
        dc_leader,
        "0716-6121234",
    )


def test_it_refuses_overlaps_outsiders_and_a_leader_who_is_not_one(
    org, shift, dc_registrar, dc_handler, dc_leader, xc_handler
):
    with pytest.raises(ValidationFailed, match="时间重叠"):
        duty_shift_create(
            actor=dc_registrar,
            unit=org.dongcheng,
            on_date=DAY,
            officer=dc_registrar,
            leader=dc_leader,
            starts_at=at(2026, 3, 5, 20),
            ends_at=at(2026, 3, 6, 8),
        )
    with pytest.raises(ValidationFailed, match="不是东城街道的工作人员"):
        duty_shift_create(
            actor=dc_registrar, unit=org.dongcheng, on_date=DAY + timedelta(days=1),
            officer=xc_handler, leader=dc_leader,
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="不是东城街道或其上级单位的领导"):
        duty_shift_create(
            actor=dc_registrar, unit=org.dongcheng, on_date=DAY + timedelta(days=1),
            officer=dc_registrar, leader=dc_handler,
        )  # fmt: skip
    assert DutyShift.objects.count() == 1


def test_only_the_roster_keepers_put_people_on_duty(
    org, dc_handler, dc_leader, district_supervisor, xc_handler
):
    kwargs = {"unit": org.dongcheng, "on_date": DAY, "officer": dc_handler, "leader": dc_leader}
    with pytest.raises(NotPermitted):
        duty_shift_create(actor=dc_handler, **kwargs)
    with pytest.raises(NotPermitted):
        duty_shift_create(actor=district_supervisor, **kwargs)
    with pytest.raises(NotFound):
        duty_shift_create(actor=xc_handler, **kwargs)


def test_it_fills_a_month_in_turn_leaving_existing_shifts(
    org, shift, dc_registrar, dc_handler, dc_leader
):
    made = duty_roster_fill(
        actor=dc_registrar,
        unit=org.dongcheng,
        first=date(2026, 3, 1),
        last=date(2026, 3, 31),
        officers=[dc_registrar, dc_handler],
        leaders=[dc_leader],
    )
    assert len(made) == 30
    days = list(
        DutyShift.objects.filter(unit=org.dongcheng)
        .order_by("on_date")
        .values_list("on_date", "officer__username")
    )
    assert len(days) == 31 and days[0] == (date(2026, 3, 1), "dc_registrar")
    assert days[1] == (date(2026, 3, 2), "dc_handler")


def test_a_swap_changes_the_post_and_keeps_the_record(shift, dc_registrar, dc_handler):
    swap = duty_swap(
        actor=dc_handler,  # the holder may record their own swap
        shift=shift,
        position="officer",
        to_staff=dc_registrar,
        reason="参加培训",
        now=at(2026, 3, 4, 9),
    )
    shift.refresh_from_db()
    assert shift.officer == dc_registrar
    assert (swap.from_staff, swap.to_staff, swap.reason) == (dc_handler, dc_registrar, "参加培训")
    with pytest.raises(ValidationFailed, match="不能是原值班人"):
        duty_swap(
            actor=dc_registrar, shift=shift, position="officer", to_staff=dc_registrar,
            reason="x", now=at(2026, 3, 4, 9),
        )  # fmt: skip
    with pytest.raises(InvalidTransition, match="已经结束"):
        duty_swap(
            actor=dc_registrar, shift=shift, position="officer", to_staff=dc_handler,
            reason="补登", now=at(2026, 3, 7, 9),
        )  # fmt: skip


def test_someone_else_may_not_swap_a_shift(shift, dc_registrar, org):
    outsider = _member("dh_worker", org.donghu, "handler")
    with pytest.raises(NotFound):
        duty_swap(
            actor=outsider, shift=shift, position="officer", to_staff=dc_registrar,
            reason="x", now=at(2026, 3, 4, 9),
        )  # fmt: skip


def test_todays_duty_shows_the_users_units_and_those_above(
    org, shift, dc_registrar, informant, xc_handler, district_supervisor, dc_leader
):
    above = duty_shift_create(
        actor=None, unit=org.district, on_date=DAY, officer=district_supervisor,
        leader=_member("cn_leader", org.district, "leader"),
    )  # fmt: skip
    assert duty_today_for(informant, today=DAY) == [shift, above]
    assert duty_today_for(dc_registrar, today=DAY) == [shift, above]
    assert duty_today_for(xc_handler, today=DAY) == [above]
    assert duty_today_for(informant, today=DAY + timedelta(days=1)) == []


def test_the_log_keeps_calls_within_the_shift(shift, dc_handler, informant, district_supervisor):
    entry = duty_log_add(
        actor=dc_handler, shift=shift, kind="call", caller="吴秀珍", phone="13807162288",
        summary="来电反映养老金核定有误。", at=at(2026, 3, 5, 21), now=at(2026, 3, 5, 21, 5),
    )  # fmt: skip
    assert entry.recorded_by == dc_handler and entry.at == at(2026, 3, 5, 21)
    with pytest.raises(ValidationFailed, match="本班次之内"):
        duty_log_add(
            actor=dc_handler, shift=shift, kind="call", summary="x", at=at(2026, 3, 6, 9),
            now=at(2026, 3, 6, 9),
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="主要内容"):
        duty_log_add(actor=dc_handler, shift=shift, kind="call", summary=" ",
                     now=at(2026, 3, 5, 22))  # fmt: skip
    with pytest.raises(NotPermitted):
        duty_log_add(actor=district_supervisor, shift=shift, kind="call", summary="x",
                     now=at(2026, 3, 5, 22))  # fmt: skip
    with pytest.raises(NotFound):  # a group's informant does not see the street's roster
        duty_log_add(actor=informant, shift=shift, kind="call", summary="x",
                     now=at(2026, 3, 5, 22))  # fmt: skip


def test_a_call_in_the_log_becomes_a_phone_petition(org, shift, dc_handler, dc_registrar):
    entry = duty_log_add(
        actor=dc_handler, shift=shift, kind="call", caller="吴秀珍", phone="13807162288",
        summary="来电反映养老金核定有误。", at=at(2026, 3, 5, 21), now=at(2026, 3, 5, 21, 5),
    )  # fmt: skip
    draft = PetitionDraft(
        subject="养老金核定有误",
        content=entry.summary,
        category=Category.objects.get(code="labour.pension"),
        petitioners=[PersonInput(name="吴秀珍")],
    )
    with pytest.raises(NotPermitted):
        duty_log_register_petition(actor=dc_handler, entry=entry, draft=draft)
    petition = duty_log_register_petition(
        actor=dc_registrar, entry=entry, draft=draft, now=at(2026, 3, 6, 9)
    )
    entry.refresh_from_db()
    assert entry.petition == petition
    assert petition.channel == "phone" and petition.received_at == at(2026, 3, 5, 21)
    # The logged number becomes the petitioner's phone, encrypted; never plain in details.
    assert "13807162288" not in str(petition.channel_details)
    assert petition.petitioners.get().phone == "13807162288"
    with connection.cursor() as cursor:
        table = DutyLogEntry._meta.db_table
        cursor.execute(f"SELECT phone, caller FROM {table} WHERE id = %s", [entry.pk])
        phone, caller = cursor.fetchone()
    # Nor the caller's name (issue 18): read back decrypted, stored as a token.
    assert "13807162288" not in phone and "吴秀珍" not in caller and is_token(caller)
    assert entry.caller == "吴秀珍"
    assert entry.phone_masked.endswith("2288") and "0716" not in entry.phone_masked
    assert petition.receiving_unit == org.dongcheng
    with pytest.raises(InvalidTransition, match="已经登记"):
        duty_log_register_petition(actor=dc_registrar, entry=entry, draft=draft)


def test_the_roster_warns_when_one_person_is_on_duty_and_leads_it(
    client, org, shift, dc_registrar, dc_leader
):
    same = duty_shift_create(
        actor=dc_registrar,
        unit=org.dongcheng,
        on_date=DAY + timedelta(days=1),
        officer=dc_leader,
        leader=dc_leader,
    )
    assert same.same_person and not shift.same_person

    client.force_login(dc_registrar)
    month = client.get(
        reverse("prevention:duty"), {"unit": org.dongcheng.pk, "month": "2026-03"}
    ).content.decode()
    warning = month.split('id="duty-same-person"')[1].split("</div>")[0]
    assert "3月6日" in warning and "3月5日" not in warning
    assert "同一人" in client.get(reverse("prevention:duty_shift", args=[same.pk])).content.decode()
    assert (
        'id="duty-same-person"'
        not in client.get(reverse("prevention:duty_shift", args=[shift.pk])).content.decode()
    )


def test_putting_one_person_on_both_posts_warns_the_roster_keeper(
    client, org, dc_registrar, dc_leader
):
    client.force_login(dc_registrar)
    response = client.post(
        f"{reverse('prevention:duty_new')}?unit={org.dongcheng.pk}",
        {
            "form": "fill",
            "first": "2026-03-09",
            "last": "2026-03-10",
            "officers": [dc_leader.pk],
            "leaders": [dc_leader.pk],
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("3月9日至10日" in m and "同一人" in m for m in shown), shown
