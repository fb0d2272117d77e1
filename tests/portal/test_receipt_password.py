"""A query password printed on the registration receipt (生成查询密码, issue 20): for the
person at the window with no phone, or who wants a password. Shown once, only its hash kept;
a new one replaces the old; the history says it was made, never what it is."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from tests.petitions.factories import accuse, person, register
from tests.portal.helpers import new_ip, unlock
from xinfang.core.errors import NotFound
from xinfang.petitions.models import PetitionEvent
from xinfang.portal.models import QueryCredential
from xinfang.portal.selectors import case_for_credentials
from xinfang.portal.services import receipt_password_issue
from xinfang.workflow.receipts import receipt_printable_by

PASSWORD = re.compile(r'id="receipt-password">(\d{8})<')


@pytest.fixture
def walk_in(org, dc_registrar):
    return register(dc_registrar, org.dongcheng, people=[person("冯德胜", phone="")])


def _issue(client: Client, petition) -> tuple[int, str]:
    response = client.post(
        f"/petitions/{petition.pk}/registration-receipt/password/", {"paper": "a4"}
    )
    found = PASSWORD.search(response.content.decode())
    return response.status_code, found.group(1) if found else ""


def test_the_printed_password_opens_the_case_and_a_new_one_revokes_it(
    client, walk_in, dc_registrar
):
    client.force_login(dc_registrar)
    before = client.get(f"/petitions/{walk_in.pk}/registration-receipt/").content.decode()
    assert "生成查询密码" in before and "本件未登记手机号码" in before

    status, first = _issue(client, walk_in)
    assert status == 200 and first
    assert case_for_credentials(walk_in.tracking_code, first) == walk_in
    public = Client(REMOTE_ADDR=new_ip())
    assert unlock(public, walk_in, first).url == "/portal/track/case/"

    # Only the hash is kept, and the history says a password was made, not which.
    credential = QueryCredential.objects.get(petition=walk_in)
    assert credential.kind == "password" and first not in credential.secret_hash
    assert check_password(first, credential.secret_hash)
    event = PetitionEvent.objects.filter(petition=walk_in).order_by("-seq").first()
    assert event.kind == "query_password_issue" and event.actor == dc_registrar
    assert first not in str(event.data) and event.data["reissue"] is False

    # A reload shows no password, only when it was made and that it can be made again.
    again = client.get(f"/petitions/{walk_in.pk}/registration-receipt/").content.decode()
    assert first not in again and 'id="receipt-password"' not in again
    assert "生成查询密码，密码不再显示" in again and "重新生成查询密码" in again

    status, second = _issue(client, walk_in)
    assert status == 200 and second and second != first
    assert case_for_credentials(walk_in.tracking_code, first) is None
    assert case_for_credentials(walk_in.tracking_code, second) == walk_in
    assert unlock(Client(REMOTE_ADDR=new_ip()), walk_in, first).status_code == 400
    assert QueryCredential.objects.filter(petition=walk_in).count() == 1
    last = PetitionEvent.objects.filter(petition=walk_in).order_by("-seq").first()
    assert last.data["reissue"] is True
    detail = client.get(f"/petitions/{walk_in.pk}/").content.decode()
    assert "生成查询密码" in detail and "原查询密码作废" in detail


def test_a_password_replaces_the_phone_as_the_secret(org, dc_registrar):
    petition = register(dc_registrar, org.dongcheng, people=[person(phone="13912345678")])
    assert case_for_credentials(petition.tracking_code, "13912345678") == petition
    _, password = receipt_password_issue(actor=dc_registrar, petition_id=petition.pk)
    assert case_for_credentials(petition.tracking_code, password) == petition
    assert case_for_credentials(petition.tracking_code, "13912345678") is None


def test_who_cannot_see_the_case_gets_no_password(
    client, walk_in, xc_handler, org, dc_registrar, cn_leader
):
    assert not receipt_printable_by(xc_handler, walk_in.pk)
    with pytest.raises(NotFound):
        receipt_password_issue(actor=xc_handler, petition_id=walk_in.pk)
    client.force_login(xc_handler)
    assert _issue(client, walk_in)[0] == 404
    assert client.get(f"/petitions/{walk_in.pk}/registration-receipt/").status_code == 404
    # The accused unit's registrar keeps only the accusation receipt: no password either.
    accusation = accuse(
        cn_leader, org.district, org.dongcheng, subject="举报街道干部", content="吃拿卡要。"
    )
    assert not receipt_printable_by(dc_registrar, accusation.pk)
    client.force_login(dc_registrar)
    assert _issue(client, accusation)[0] == 404
    assert not QueryCredential.objects.exists()
    assert not PetitionEvent.objects.filter(kind="query_password_issue").exists()


def test_a_get_does_not_issue_one(client, walk_in, dc_registrar):
    client.force_login(dc_registrar)
    url = f"/petitions/{walk_in.pk}/registration-receipt/password/"
    assert client.get(url).status_code == 405
    assert not QueryCredential.objects.exists()


def test_the_api_answers_the_password_once_and_refuses_who_cannot_see(
    api, walk_in, dc_registrar, xc_handler
):
    url = f"/api/v1/petitions/{walk_in.pk}/query-password/"
    response = api.as_(dc_registrar).post(url, {}, format="json")
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    password = response.json()["password"]
    assert case_for_credentials(walk_in.tracking_code, password) == walk_in
    assert api.as_(xc_handler).post(url, {}, format="json").status_code == 404
    again = api.as_(dc_registrar).post(url, {}, format="json").json()["password"]
    assert case_for_credentials(walk_in.tracking_code, password) is None
    assert case_for_credentials(walk_in.tracking_code, again) == walk_in


def test_an_online_submissions_key_survives_the_new_password(org, dc_registrar, online):
    from tests.portal.helpers import portal_case

    petition, _ = portal_case(online)
    key = QueryCredential.objects.get(petition=petition).submission_key
    _, password = receipt_password_issue(actor=dc_registrar, petition_id=petition.pk)
    credential = QueryCredential.objects.get(petition=petition)
    assert credential.submission_key == key and credential.kind == "password"
    assert case_for_credentials(petition.tracking_code, password) == petition
