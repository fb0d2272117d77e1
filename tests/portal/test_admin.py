"""The portal's models in the Django admin."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.portal.helpers import new_ip, portal_case
from tests.units.factories import StaffFactory
from xinfang.portal.models import PublicAnswer, QueryCredential, Rating


@pytest.fixture
def admin_client_(online):
    admin = StaffFactory(username="root", is_superuser=True, is_staff=True)
    client = Client(REMOTE_ADDR=new_ip())
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model", ["rating", "querycredential", "publicanswer", "open311key", "open311request"]
)
def test_each_portal_model_has_an_admin_list(admin_client_, model):
    assert admin_client_.get(f"/admin/portal/{model}/").status_code == 200


def test_the_admin_never_shows_a_credential_hash(admin_client_, online):
    petition, _ = portal_case(online)
    credential = QueryCredential.objects.get(petition=petition)
    html = admin_client_.get(f"/admin/portal/querycredential/{credential.pk}/change/")
    assert credential.secret_hash not in html.content.decode()
    Rating.objects.create(petition=petition, level="satisfied", rated_at=petition.received_at)
    assert admin_client_.get("/admin/portal/rating/").status_code == 200


def test_the_admin_cannot_write_public_answers_and_points_to_the_manage_page(admin_client_, online):
    """Answers go through the public_answer_* services (who publishes, anonymising)."""
    response = admin_client_.post(
        "/admin/portal/publicanswer/add/",
        {"title": "标题", "question": "问题", "answer": "答复", "is_published": "on"},
    )
    assert response.status_code == 403 and not PublicAnswer.objects.exists()
    answer = PublicAnswer.objects.create(title="标题", question="问题", answer="答复")
    change = admin_client_.post(
        f"/admin/portal/publicanswer/{answer.pk}/change/",
        {"title": "改", "question": "问题", "answer": "答复", "is_published": "on"},
    )
    assert change.status_code == 403
    answer.refresh_from_db()
    assert answer.title == "标题" and not answer.is_published
    deleted = admin_client_.post(f"/admin/portal/publicanswer/{answer.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403 and PublicAnswer.objects.filter(pk=answer.pk).exists()
    listing = admin_client_.get("/admin/portal/publicanswer/").content.decode()
    assert "/portal/manage/answers/" in listing
    assert 'name="action"' not in listing  # no publish/unpublish bulk actions
