"""R22 Art.19: a matter still being handled by a lower body within its limit is not taken up
again higher up; it is declined citing the open case. A leader may take it up, with a
recorded reason, once the lower body has let its limit pass."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from tests.clock import at
from tests.petitions.factories import person, register
from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.petitions.models import Petition, State
from xinfang.workflow import services as wf

ID = "11010519491231002X"


@pytest.fixture
def below(org, dc_registrar, dc_leader):
    """东城街道 assigned the matter to 东湖社区 on 2026-11-02 (due 2027-01-04, 60 days)."""
    p = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2), people=[person(id_number=ID)])
    return wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))


@pytest.fixture
def again(org, dc_registrar, below):
    """The same person brings the same matter to 东城街道 again."""
    return register(
        dc_registrar,
        org.dongcheng,
        at=at(2026, 11, 20),
        people=[person(name="王建国", id_number=ID)],
        subject="下水道还是堵",
    )


def test_it_cannot_be_taken_up_while_the_lower_body_is_within_its_limit(
    again, below, dc_leader, org
):
    assert below.conclude_by == date(2027, 1, 4)
    for take_up in (
        lambda: wf.petition_accept(petition=again, actor=dc_leader, now=at(2026, 11, 21)),
        lambda: wf.petition_assign(
            petition=again, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 21)
        ),
        lambda: wf.petition_forward(
            petition=again, actor=dc_leader, to_body="市城管局", now=at(2026, 11, 21)
        ),
    ):
        with pytest.raises(InvalidTransition, match="第十九条") as refused:
            take_up()
        assert below.tracking_code_display in refused.value.message
        assert refused.value.extra["cited"] == str(below.pk)
    assert Petition.objects.get(pk=again.pk).state == State.REGISTERED
    declined = wf.petition_decline(
        petition=again, actor=dc_leader, reason="in_progress", cited=below, now=at(2026, 11, 21)
    )
    event = declined.events.order_by("-seq").first()
    assert event.data["reason"] == "in_progress" and event.data["cited"] == below.pk


def test_the_case_page_offers_the_decline_filled_in(client, again, below, dc_leader):
    client.force_login(dc_leader)
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        client.force_login(dc_leader)
        page = client.get(reverse("petitions:detail", args=[again.pk])).content.decode()
    assert 'id="same-matter"' in page and below.tracking_code_display in page and "第十九条" in page
    assert 'data-bs-target="#act-accept"' not in page
    assert 'data-bs-target="#act-assign"' not in page
    assert 'data-bs-target="#act-decline"' in page
    # The decline form has the reason and the open case chosen already.
    assert 'value="in_progress" selected' in page
    assert f'value="{below.pk}" selected' in page


def test_the_api_refuses_the_same_way(api, again, below, dc_leader):
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        response = api.as_(dc_leader).post(f"/api/v1/petitions/{again.pk}/accept/", {})
    assert response.status_code == 409
    assert "第十九条" in response.json()["message"]
    assert response.json()["extra"]["cited"] == str(below.pk)


def test_a_leader_may_take_it_up_with_a_reason_once_the_lower_body_is_late(
    client, again, below, dc_leader, dc_registrar
):
    late = at(2027, 1, 6)  # 东湖社区's limit was 2027-01-04
    with pytest.raises(InvalidTransition, match="领导"):
        wf.petition_accept(petition=again, actor=dc_registrar, now=late)
    with pytest.raises(ValidationFailed, match="理由"):
        wf.petition_accept(petition=again, actor=dc_leader, now=late)
    with time_machine.travel(late, tick=False):
        client.force_login(dc_leader)
        page = client.get(reverse("petitions:detail", args=[again.pk])).content.decode()
        assert 'data-bs-target="#act-accept"' in page and "已超期" in page
        response = client.post(
            reverse("petitions:act", args=[again.pk, "accept"]),
            {
                "accept-version": again.version,
                "accept-override_reason": "社区超期未办结，群众反映强烈，街道直接办理",
            },
        )
    assert response.status_code == 302
    p = Petition.objects.get(pk=again.pk)
    assert p.state == State.ACCEPTED
    event = p.events.order_by("-seq").first()
    assert event.data["override_reason"].startswith("社区超期未办结")
    assert event.data["same_matter_tracking_code"] == below.tracking_code


def test_another_matter_of_the_same_person_is_taken_up_as_usual(
    org, dc_registrar, dc_leader, below
):
    other = register(
        dc_registrar,
        org.dongcheng,
        at=at(2026, 11, 20),
        people=[person(id_number=ID)],
        category="environment.noise",
    )
    p = wf.petition_accept(petition=other, actor=dc_leader, now=at(2026, 11, 21))
    assert p.state == State.ACCEPTED
