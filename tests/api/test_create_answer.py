"""A registration over the API answers from the case it wrote (workflow/case_apis.py,
_case_as_written) instead of reading it back: the answer must be what reading it shows."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from tests.api.test_petitions_api import payload
from tests.petitions.factories import REPLY, person, register
from tests.petitions.test_attachments import PNG
from xinfang.petitions.models import Petition
from xinfang.petitions.serializers import (
    AttachmentSerializer,
    EventSerializer,
    PetitionDetailSerializer,
    ReplySerializer,
    rows_shown,
)


def _variants(org, leader):
    person = {"name": "刘德明", "id_number": "11010519491231002X", "phone": "13812345678"}
    return {
        "plain": {},
        "repeat of the first (same person)": {"petitioners": [person]},
        "representatives": {
            "headcount": 8,
            "is_collective": True,
            "representatives": [{"name": "代表甲", "phone": "13900001111"}],
        },
        "co-handled": {"co_handling_units": [org.donghu.pk]},
        "urgent, texts agreed": {"is_urgent": True, "sms_consent": True},
        "accusation against another street": {
            "is_accusation": True,
            "accused_unit": org.xicheng.pk,
            "accused_person": "某科长",
        },
        "received on a leader's reception day (the leader owns it)": {
            "channel": "reception",
            "channel_details": {"reception_leader": leader.pk},
        },
    }


def test_each_created_case_answers_as_its_detail_reads(api, org, dc_registrar, dc_leader):
    client = api.as_(dc_registrar)
    person = {"name": "刘德明", "id_number": "11010519491231002X", "phone": "13812345678"}
    client.post("/api/v1/petitions/", payload(org, petitioners=[person]), format="json")
    for name, extra in _variants(org, dc_leader).items():
        created = client.post("/api/v1/petitions/", payload(org, **extra), format="json")
        assert created.status_code == 201, (name, created.json())
        body = created.json()
        read = client.get(f"/api/v1/petitions/{body['id']}/").json()
        assert body == read, name
    repeat = Petition.objects.filter(repeat_of__isnull=False)
    assert Petition.objects.count() == 8 and repeat.count() <= 1


def test_an_accusation_against_the_registrars_own_unit_answers_with_the_receipt_only(
    api, org, dc_registrar
):
    extra = {"is_accusation": True, "accused_unit": org.dongcheng.pk, "accused_person": "某"}
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", payload(org, **extra), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["receipt"] is True and "content" not in body and "petitioners" not in body


def test_a_registration_holds_the_rows_it_wrote_as_reading_them_gives(org, dc_registrar):
    reps = [person(name="代表甲", phone="13900001111"), person(name="代表乙")]
    p = register(
        dc_registrar,
        org.dongcheng,
        people=[person(), person(name="李秀兰")],
        representatives=[*reps, reps[0]],  # the same representative twice: one party
        headcount=9,
        attachments=[SimpleUploadedFile("材料.pdf", b"%PDF-1.7\n" + b"0" * 200)],
    )
    fresh = Petition.objects.get(pk=p.pk)
    for relation, rows in p.written.items():
        read = list(getattr(fresh, relation).all())
        assert [r.pk for r in rows] == [r.pk for r in read], relation
    assert len(p.written["parties"]) == 4 and len(p.written["attachments"]) == 1


def test_a_case_is_shown_as_drfs_own_fields_show_it(api, org, dc_registrar, dc_leader, dc_handler):
    """DirectFieldsMixin and rows_shown (plans made once per class) against DRF's field loop
    on serializers built for the case, for a case with parties, replies, events and a file."""
    from xinfang.workflow import services as wf

    p = register(dc_registrar, org.dongcheng, people=[person(phone="13812345678")])
    wf.attachment_add(actor=dc_registrar, petition=p, upload=SimpleUploadedFile("照片.png", PNG))
    wf.petition_accept(petition=p, actor=dc_leader)
    wf.petition_start(petition=p, actor=dc_handler)
    wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY)
    request = api.as_(dc_registrar).get(f"/api/v1/petitions/{p.pk}/").wsgi_request
    request.user = dc_registrar
    context = {"member_paths": [], "request": request, "marks": []}
    shown = Petition.objects.prefetch_related("parties__petitioner").get(pk=p.pk)

    direct = PetitionDetailSerializer(shown, context=context).data
    own = serializers.Serializer.to_representation(
        PetitionDetailSerializer(shown, context=context), shown
    )
    assert direct == own and list(direct) == list(own)
    for serializer, rows in (
        (ReplySerializer, shown.replies.all()),
        (EventSerializer, shown.events.all()),
        (AttachmentSerializer, shown.attachments.all()),
    ):
        assert len(rows) >= 1
        assert rows_shown(serializer, rows) == serializer(rows, many=True).data, serializer
    assert direct["replies"] == ReplySerializer(shown.replies.all(), many=True).data
