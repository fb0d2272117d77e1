"""The staff admin page carries the recusal identity fields; saving them goes through the
recusal service (stored encrypted and blind-indexed), and a bad number changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from xinfang.core.crypto import blind_index
from xinfang.units.models import Staff

ID = "11010519491231002X"


@pytest.fixture
def superuser(org):
    return Staff.objects.create_superuser("root_admin", "root@example.org", "pw-123456-long")


def _save(user: Staff, staff: Staff, id_number: str, phone: str = ""):
    request = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    form = SimpleNamespace(cleaned_data={"recusal_id_number": id_number, "recusal_phone": phone})
    admin.site._registry[Staff].save_model(request, staff, form, change=True)
    return request


def test_it_shows_the_recusal_fields_on_the_staff_page(client, superuser, dc_handler) -> None:
    client.force_login(superuser)
    page = client.get(reverse("admin:units_staff_change", args=[dc_handler.pk]))
    assert page.status_code == 200
    assert "回避核对" in page.content.decode()
    assert 'name="recusal_id_number"' in page.content.decode()


def test_it_saves_the_identity_through_the_recusal_service(superuser, dc_handler) -> None:
    _save(superuser, dc_handler, ID)
    dc_handler.refresh_from_db()
    assert dc_handler.id_number_index == blind_index("id_number", ID)


def test_it_refuses_a_malformed_number_and_keeps_the_old_one(superuser, dc_handler) -> None:
    _save(superuser, dc_handler, ID)
    request = _save(superuser, dc_handler, "123")
    dc_handler.refresh_from_db()
    assert dc_handler.id_number_index == blind_index("id_number", ID)
    assert [m.level_tag for m in request._messages] == ["error"]
