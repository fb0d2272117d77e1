"""Petitioning online: one transaction, checked uploads, the code shown once, anti-abuse."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.portal.helpers import EXE, PDF, PNG, form_data, new_phone
from xinfang.core.crypto import mask_phone
from xinfang.core.tracking import format_tracking_code
from xinfang.petitions.models import Attachment, Petition
from xinfang.portal.models import QueryCredential
from xinfang.portal.selectors import case_for_credentials


def post(client, org, files=(), **overrides):
    data = form_data(org, **overrides)
    if files:
        data["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post("/portal/submit/", data)


def test_it_shows_the_form_with_online_units_only(client, online):
    response = client.get("/portal/submit/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "东城街道" in html and "城南区" in html
    units = html.split('name="unit"', 1)[1].split("</select>", 1)[0]
    assert "西城街道" not in units  # does not take online petitions
    assert "纪检监察" not in html.split("问题分类", 1)[1].split("</select>", 1)[0]
    assert 'name="website"' in html and 'tabindex="-1"' in html  # the honeypot
    assert "<script" not in html


def test_it_registers_an_online_petition_and_shows_the_code_once(client, online):
    response = post(client, online, files=[("现场.png", PNG), ("材料.pdf", PDF)])
    assert response.status_code == 302 and response.url == "/portal/submitted/"
    petition = Petition.objects.get()
    assert petition.channel == "online" and petition.registered_by is None
    assert petition.receiving_unit == online.dongcheng and petition.state == "registered"
    assert petition.idempotency_key.startswith("portal:")
    assert sorted(a.content_type for a in petition.attachments.all()) == [
        "application/pdf",
        "image/png",
    ]
    credential = QueryCredential.objects.get(petition=petition)
    assert credential.kind == "password" and credential.secret_hash.startswith("md5$")

    shown = client.get("/portal/submitted/")
    html = shown.content.decode()
    assert format_tracking_code(petition.tracking_code) in html
    assert shown["Cache-Control"].startswith("no-store")
    secret = html.split('id="query-secret">', 1)[1].split("<", 1)[0]
    assert len(secret) == 8 and secret.isdigit()
    assert "只显示这一次" in html
    assert case_for_credentials(petition.tracking_code, secret) == petition
    # Shown once: the page does not come back.
    again = client.get("/portal/submitted/")
    assert again.status_code == 302 and secret not in again.content.decode()


def test_it_can_use_the_full_phone_number(client, online):
    phone = new_phone()
    assert post(client, online, phone=phone, credential="phone").status_code == 302
    html = client.get("/portal/submitted/").content.decode()
    petition = Petition.objects.get()
    credential = QueryCredential.objects.get(petition=petition)
    assert credential.kind == "phone" and not credential.secret_hash.startswith("md5$")
    assert 'id="query-secret"' not in html and "完整手机号码" in html
    assert mask_phone(phone) in html and phone not in html
    assert case_for_credentials(petition.tracking_code, phone) == petition
    assert case_for_credentials(petition.tracking_code, phone[-4:]) is None
    assert case_for_credentials(petition.tracking_code, mask_phone(phone)) is None


def test_it_no_longer_offers_the_last_four_digits(client, online):
    page = client.get("/portal/submit/").content.decode()
    assert "后四位" not in page and "用我的完整手机号码查询" in page
    response = post(client, online, credential="phone_last4")
    assert response.status_code == 400 and Petition.objects.count() == 0


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("id_number", "110101199003071234", "身份证号码校验位错误"),
        ("id_number", "11010119900307", "身份证号码应为18位"),
        ("phone", "4008001234", "400/800服务号码不能作为信访人联系电话"),
        ("phone", "12345", "电话号码格式不正确"),
    ],
)
def test_it_shows_identity_and_phone_errors_next_to_the_fields(
    client, online, field, value, message
):
    response = post(client, online, **{field: value})
    html = response.content.decode()
    assert response.status_code == 400 and Petition.objects.count() == 0
    # Inside the field's label, so it is read together with the field.
    label = html.split(f'<label for="id_{field}">', 1)[1].split("</label>", 1)[0]
    assert message in label
    assert 'aria-invalid="true"' in html.split(f'id="id_{field}"', 1)[0].rsplit("<input", 1)[1]


def test_it_requires_consent_to_the_privacy_notice(client, online):
    response = post(client, online, consent=None)
    assert response.status_code == 400 and Petition.objects.count() == 0
    assert "个人信息保护说明" in response.content.decode()


def test_it_refuses_an_executable_renamed_jpg_and_creates_no_case(client, online):
    response = post(client, online, files=[("现场.png", PNG), ("照片.jpg", EXE)])
    html = response.content.decode()
    assert response.status_code == 400
    assert "照片.jpg" in html and "不是图片" in html
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0


def test_it_refuses_an_office_document_on_the_portal(client, online):
    response = post(client, online, files=[("说明.docx", b"PK\x03\x04" + b"\x00" * 100)])
    assert response.status_code == 400 and Petition.objects.count() == 0


def test_it_refuses_an_oversized_file(client, online, settings):
    settings.PORTAL_ATTACHMENT_MAX_BYTES = 1024
    response = post(client, online, files=[("大图.png", PNG + b"\x00" * 2000)])
    assert response.status_code == 400 and "超过" in response.content.decode()
    assert Petition.objects.count() == 0


def test_it_refuses_a_request_over_the_size_cap_before_reading_it(client, online, settings):
    settings.PORTAL_REQUEST_MAX_BYTES = 4096
    response = post(client, online, files=[("大图.png", PNG + b"\x00" * 8000)])
    assert response.status_code == 413
    assert "太大" in response.content.decode()
    assert Petition.objects.count() == 0


def test_it_refuses_more_than_five_attachments(client, online):
    files = [(f"照片{i}.png", PNG) for i in range(6)]
    response = post(client, online, files=files)
    assert response.status_code == 400 and "最多上传5个附件" in response.content.decode()
    assert Petition.objects.count() == 0


def test_it_refuses_a_unit_that_does_not_take_online_petitions(client, online):
    response = post(client, online, unit=online.xicheng.code)
    assert response.status_code == 400 and Petition.objects.count() == 0
    assert "请从列表中选择受理单位" in response.content.decode()


def test_a_double_submit_creates_one_case(client, online):
    data = form_data(online)
    first = client.post("/portal/submit/", data)
    client.get("/portal/submitted/")
    second = client.post("/portal/submit/", data)
    assert first.status_code == second.status_code == 302
    assert Petition.objects.count() == 1
    html = client.get("/portal/submitted/").content.decode()
    assert "您已提交过" in html and 'id="query-secret"' not in html


def test_a_filled_honeypot_registers_nothing(client, online):
    response = post(client, online, website="http://spam.example")
    assert response.status_code == 400 and Petition.objects.count() == 0


def test_it_limits_submissions_per_address(client, online, settings):
    settings.PORTAL_RATE_LIMITS = {"submit_ip": (2, 3600)}
    for _ in range(2):
        assert post(client, online).status_code == 302
    response = post(client, online)
    assert response.status_code == 429 and "分钟后再试" in response.content.decode()
    assert Petition.objects.count() == 2


def test_it_limits_submissions_per_phone(client, online, settings):
    from django.test import Client

    from tests.portal.helpers import new_ip

    settings.PORTAL_RATE_LIMITS = {"submit_phone": (1, 86400)}
    phone = new_phone()
    assert post(client, online, phone=phone).status_code == 302
    elsewhere = Client(REMOTE_ADDR=new_ip())
    response = post(elsewhere, online, phone=phone)
    assert response.status_code == 429 and "该手机号码" in response.content.decode()
    assert Petition.objects.count() == 1


def test_it_limits_attempts_per_address_even_when_invalid(client, online, settings):
    settings.PORTAL_RATE_LIMITS = {"submit_attempt_ip": (3, 3600)}
    for _ in range(3):
        assert post(client, online, phone="1").status_code == 400
    assert post(client, online).status_code == 429


def test_it_needs_the_csrf_token(online):
    from django.test import Client

    from tests.portal.helpers import new_ip

    strict = Client(REMOTE_ADDR=new_ip(), enforce_csrf_checks=True)
    response = strict.post("/portal/submit/", form_data(online))
    assert response.status_code == 403 and Petition.objects.count() == 0


def test_a_refused_attachment_rolls_back_the_case_and_its_files(
    online, monkeypatch, settings, tmp_path
):
    from tests.portal.helpers import portal_case
    from xinfang.core.errors import ValidationFailed
    from xinfang.portal import services

    settings.MEDIA_ROOT = tmp_path
    real, calls = services.attachment_add, []

    def second_fails(**kwargs):
        calls.append(kwargs["upload"].name)
        if len(calls) == 2:
            raise ValidationFailed("附件损坏。")
        return real(**kwargs)

    monkeypatch.setattr(services, "attachment_add", second_fails)
    uploads = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]
    with pytest.raises(ValidationFailed):
        portal_case(online, attachments=uploads)
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0
    assert QueryCredential.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
