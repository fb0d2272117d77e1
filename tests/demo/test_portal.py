"""The portal's demo data: idempotent, usable with the printed credentials, removable."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone

from tests.petitions.factories import register
from xinfang.demo.portal import (
    KEY_PREFIX,
    SUBMISSIONS,
    demo_portal_create,
    demo_portal_delete,
    open311_demo_key,
)
from xinfang.demo.units import demo_organisation_ensure
from xinfang.petitions.models import Petition
from xinfang.portal.models import Open311Key, PublicAnswer, Rating
from xinfang.portal.open311.services import open311_key_authenticate
from xinfang.portal.selectors import case_for_credentials, public_case
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf


def test_it_loads_once_works_with_the_printed_credentials_and_goes_away(db):
    demo_organisation_ensure()
    # An answered case of the petitions demo, delivered five days ago: the demo rates it.
    leader, handler = (
        Staff.objects.get(username="dc_leader"),
        Staff.objects.get(username="dc_handler"),
    )
    at = timezone.now() - timedelta(days=8)
    p = register(
        Staff.objects.get(username="dc_registrar"),
        Unit.objects.get(code="LJ-CN-DC"),
        at=at,
        idempotency_key="demo:0001",
    )
    p = wf.petition_accept(petition=p, actor=leader, now=at)
    p = wf.petition_start(petition=p, actor=handler, now=at)
    from tests.petitions.factories import REPLY

    wf.petition_conclude(petition=p, actor=leader, reply=REPLY, now=at + timedelta(days=3))

    out = io.StringIO()
    made = demo_portal_create(stdout=out)
    assert made >= len(SUBMISSIONS) + 4 + 1
    assert demo_portal_create() == 0
    printed = out.getvalue()
    for s in SUBMISSIONS:
        petition = case_for_credentials(s.tracking_code, s.secret)
        assert petition is not None and petition.idempotency_key == s.key
        assert s.secret in printed
        # No demo case opens with four digits a masked phone shows.
        assert case_for_credentials(s.tracking_code, s.phone[-4:]) is None
    assert "DEM0-0000-04C / 13900005678" in printed
    states = {s.n: Petition.objects.get(idempotency_key=s.key).state for s in SUBMISSIONS}
    assert states == {
        1: "registered",
        2: "concluded",
        3: "in_progress",
        4: "concluded",
        5: "acknowledged",
        6: "registered",
        7: "registered",
    }
    # An accusation submitted online, answered above the accused unit, with a letter to it;
    # and a complaint the street office marked as an accusation against its community.
    online = Petition.objects.get(idempotency_key=SUBMISSIONS[5].key)
    assert online.is_accusation and online.responsible_unit.code == "LJ-CN"
    letter = online.verification_requests.get()
    assert letter.to_unit.code == "LJ-CN-DC" and not letter.is_answered
    marked = Petition.objects.get(idempotency_key=SUBMISSIONS[6].key)
    assert marked.is_accusation and marked.accused_unit.code == "LJ-CN-DC-DH"
    assert marked.events.filter(kind="accusation_mark").exists()
    answered_yesterday = public_case(Petition.objects.get(idempotency_key=SUBMISSIONS[1].key))
    assert answered_yesterday.can_rate and answered_yesterday.review.is_open
    closed = public_case(Petition.objects.get(idempotency_key=SUBMISSIONS[3].key))
    assert closed.rating and not closed.review.is_open
    extended = public_case(Petition.objects.get(idempotency_key=SUBMISSIONS[2].key))
    assert any("延期理由" in line.text for line in extended.timeline)
    assert Petition.objects.get(idempotency_key=SUBMISSIONS[0].key).attachments.count() == 2
    assert Rating.objects.filter(petition=p).exists()  # demo:0001 draws a rating
    assert PublicAnswer.objects.filter(is_published=True).count() == 4
    assert open311_key_authenticate(open311_demo_key()).name == "demo"
    assert open311_demo_key() in printed

    assert demo_portal_delete() == len(SUBMISSIONS)
    assert not Petition.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists()
    assert not Open311Key.objects.exists() and not PublicAnswer.objects.exists()
    assert not Rating.objects.exists()
