"""Attachments are checked by what they contain and how big they are."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.petitions.factories import register
from xinfang.petitions.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def upload(api, user, petition, name, data):
    file = SimpleUploadedFile(name, data)
    return api.as_(user).post(
        f"/api/v1/petitions/{petition.pk}/attachments/", {"file": file}, format="multipart"
    )


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("现场照片.png", PNG, "image/png"),
        ("材料.pdf", PDF, "application/pdf"),
    ],
)
def test_it_stores_an_allowed_file_with_its_real_type(
    api, org, dc_registrar, name, data, content_type
):
    p = register(dc_registrar, org.dongcheng)
    response = upload(api, dc_registrar, p, name, data)
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get()
    assert attachment.content_type == content_type and attachment.size == len(data)
    assert attachment.file.read() == data


@pytest.mark.parametrize(
    "name, data",
    [
        ("照片.jpg", EXE),  # an executable renamed .jpg
        ("说明.docx", b"PK\x03\x04" + b"\x00" * 100),  # a zip that is no Word document
        ("脚本.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("空文件.png", b""),
    ],
)
def test_it_refuses_a_disguised_or_empty_file(api, org, dc_registrar, name, data):
    p = register(dc_registrar, org.dongcheng)
    response = upload(api, dc_registrar, p, name, data)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert Attachment.objects.count() == 0


def test_it_refuses_an_oversized_file(api, org, dc_registrar, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    p = register(dc_registrar, org.dongcheng)
    response = upload(api, dc_registrar, p, "大图.png", PNG + b"\x00" * 2000)
    assert response.status_code == 400 and "超过" in response.json()["message"]
    assert Attachment.objects.count() == 0


def test_a_genuine_docx_is_accepted(api, org, dc_registrar):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    p = register(dc_registrar, org.dongcheng)
    assert upload(api, dc_registrar, p, "情况说明.docx", buffer.getvalue()).status_code == 201


def test_another_unit_cannot_upload(api, org, dc_registrar, xc_handler):
    p = register(dc_registrar, org.dongcheng)
    assert upload(api, xc_handler, p, "a.png", PNG).status_code == 404
