"""Outages as production meets them, in fresh processes configured from the environment:
REDIS_URL and DATABASE_URL pointing at closed ports. Writes that commit answer 2xx with Redis
down and what they owe is delivered once later; with the database down every kind of
request answers 503 with Retry-After, never 500."""

from __future__ import annotations

from tests.workflow import test_worker_redis
from tests.workflow.test_worker_redis import python

# A migrated database of its own that the child processes open (module-scoped fixture).
worker_db = test_worker_redis.worker_db

CLOSED_REDIS = "redis://127.0.0.1:1/0"

REDIS_DOWN = """
import json
from datetime import timedelta
from django.core import mail
from django.test import Client
from django.utils import timezone
from xinfang.api.tokens import api_token_issue
from xinfang.core.models import OutboxMessage
from xinfang.core.outbox import outbox_drain
from xinfang.notifications.models import Notification
from xinfang.notifications.services import preferences_save
from xinfang.petitions.models import Category
from xinfang.units.models import Membership, Staff, Unit

district = Unit.add_root(code="R", name="城南区", kind="district")
street = district.add_child(code="R-DC", name="东城街道", kind="street")
community = street.add_child(code="R-DC-DH", name="东湖社区", kind="community")
def member(username, unit, role):
    staff = Staff.objects.create_user(
        username, password="pw", full_name=username, email=f"{username}@example.gov.cn"
    )
    Membership.objects.create(staff=staff, unit=unit, role=role)
    preferences_save(actor=staff, choices={"incident": (True, True), "assignment": (True, True)})
    return staff
desk = member("r_desk", street, "registrar")
leader = member("r_leader", street, "leader")
chief = member("r_chief", district, "supervisor")
handler = member("r_handler", community, "handler")

client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
def api(user, url, data):
    _, key = api_token_issue(user=user)
    return client.post(url, data, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {key}")
made = api(desk, "/api/v1/petitions/", {
    "channel": "visit",
    "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    "receiving_unit": street.pk,
    "subject": "小区门口下水道堵塞",
    "content": "东湖路小区门口下水道堵塞一个多月，请求疏通。",
    "category": Category.objects.get(code="urban.municipal").pk,
    "petitioners": [{"name": "王建国", "phone": "13812345678"}],
    "is_urgent": True,
})
pk = made.json().get("id")
assigned = api(leader, f"/api/v1/petitions/{pk}/assign/",
               {"to_unit": community.pk, "handler": handler.pk})
# The public site's rate limiter needs the cache too.
lookup = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False).post(
    "/portal/track/", {"tracking_code": "ABCDEFGHJKM", "secret": "11111111"})
outbox = OutboxMessage.objects.filter(topic="notifications.email")
before = {
    "pending": outbox.filter(status="pending").count(),
    "mails": len(getattr(mail, "outbox", [])),
}
first = outbox_drain().sent
second = outbox_drain().sent
print(json.dumps({
    "registered": made.status_code, "assigned": assigned.status_code,
    "lookup": lookup.status_code, "before": before,
    "inbox": Notification.objects.count(),
    "drains": [first, second], "mails": sorted(m.to[0] for m in mail.outbox),
}))
"""


def test_with_redis_down_writes_answer_2xx_and_their_mail_goes_out_once_later(worker_db):
    env = worker_db.env(
        worker_db.fresh(),
        REDIS_URL=CLOSED_REDIS,
        HUEY_IMMEDIATE="false",
        XINFANG_TESTING="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    found = python(env, REDIS_DOWN)
    assert found["registered"] == 201 and found["assigned"] == 200
    assert found["lookup"] == 400  # the wrong-code answer, counted in the database
    # Urgent: the street's leader and the district's supervisor; then the assigned handler.
    assert found["inbox"] == 3
    assert found["before"] == {"pending": 3, "mails": 0}
    assert found["drains"] == [3, 0]
    assert found["mails"] == [
        "r_chief@example.gov.cn",
        "r_handler@example.gov.cn",
        "r_leader@example.gov.cn",
    ]


DATABASE_DOWN = """
import json
from django.test import Client
# A token (to be looked up in the database) on every request, as API clients send.
client = Client(
    HTTP_HOST="127.0.0.1", raise_request_exception=False, HTTP_AUTHORIZATION="Token " + "a" * 40
)
answers = {}
for method, url, data in [
    ("post", "/accounts/login/", {"username": "someone", "password": "pw"}),
    ("get", "/portal/", None),
    ("post", "/portal/track/", {"tracking_code": "ABCDEFGHJKM", "secret": "11111111"}),
    ("get", "/api/v1/petitions/", None),
    ("post", "/api/v1/auth/token/", {"username": "someone", "password": "pw"}),
    ("get", "/open311/v2/services.json", None),
]:
    r = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    answers[f"{method} {url}"] = [
        r.status_code, r.get("Retry-After"), r.get("Content-Type", ""),
        r.content.decode()[:2000],
    ]
print(json.dumps(answers))
"""


def test_with_the_database_down_every_request_answers_503(worker_db):
    env = worker_db.env("postgres://postgres@127.0.0.1:1/xinfang_nowhere", XINFANG_TESTING="1")
    answers = python(env, DATABASE_DOWN)
    for request, (status, retry_after, content_type, body) in answers.items():
        assert status == 503, (request, status, body)
        assert retry_after == "30", request
        assert "数据库" in body, request
        if "/api/" in request:
            assert content_type.startswith("application/json"), request
            assert '"code": "service_unavailable"' in body
        elif "/open311/" in request:
            assert content_type.startswith("application/json"), request
        else:
            assert "系统暂时无法服务" in body, request
        assert "127.0.0.1:1" not in body, request
