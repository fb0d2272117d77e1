"""The staff record in the Django admin: its recusal fields are saved through the workflow's
service (encrypted and blind-indexed), and a malformed number is refused with its message."""

from __future__ import annotations

import random
import re

from xinfang.core.crypto import blind_index
from xinfang.petitions.identity import random_id_number
from xinfang.units.models import Staff


def _form(admin_client, staff: Staff, **fields) -> dict:
    """The change form as the page sends it (every input with its value), with `fields` set."""
    page = admin_client.get(f"/admin/units/staff/{staff.pk}/change/").content.decode()
    assert "回避核对" in page
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in {"submit", "checkbox"}):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    data.update({"is_active": "on", "is_staff": "on", "is_superuser": "on"})
    data.update(fields)
    return data


def test_the_admin_saves_the_recusal_fields_through_the_service(admin_client, admin_user):
    number = random_id_number(random.Random(13))
    response = admin_client.post(
        f"/admin/units/staff/{admin_user.pk}/change/",
        _form(admin_client, admin_user, recusal_id_number=number, recusal_phone="13900001111"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(pk=admin_user.pk)
    assert staff.id_number == number
    assert staff.id_number_index == blind_index("id_number", number)
    assert staff.personal_phone_index == blind_index("phone", "13900001111")


def test_the_admin_shows_the_services_refusal(admin_client, admin_user):
    response = admin_client.post(
        f"/admin/units/staff/{admin_user.pk}/change/",
        _form(admin_client, admin_user, recusal_id_number="12345"),
        follow=True,
    )
    assert response.status_code == 200
    assert Staff.objects.get(pk=admin_user.pk).id_number_index == ""
    assert "身份证" in response.content.decode()
