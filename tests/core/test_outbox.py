"""The outbox: work that follows a commit is written with it, delivered by the worker once,
retried with growing delays, and a queue that does not answer fails no request."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.db import transaction
from django.utils import timezone
from huey.storage import RedisStorage

from tests.conftest import _member
from xinfang.core import outbox
from xinfang.core.models import OutboxMessage
from xinfang.core.outbox import (
    MAX_ATTEMPTS,
    outbox_backlog,
    outbox_drain,
    outbox_handler,
    outbox_prune,
    outbox_put,
    outbox_retry,
    retry_delay,
)
from xinfang.notifications.models import Notification
from xinfang.notifications.services import notify, preferences_save

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


@outbox_handler("test.record")
def _record(payload: dict) -> None:
    CALLS.append(payload)
    if payload.get("fail"):
        raise RuntimeError("SMTP 服务器拒绝连接")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_it_writes_nothing_when_the_change_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_put(topic="test.record", payload={"n": 1})
        raise RuntimeError("the business write failed")
    assert not OutboxMessage.objects.exists()
    assert outbox_drain().sent == 0 and CALLS == []


def test_it_delivers_a_row_once_however_often_it_is_drained():
    outbox_put(topic="test.record", payload={"n": 1})
    assert outbox_drain().sent == 1
    assert outbox_drain().sent == 0
    assert CALLS == [{"n": 1}]
    row = OutboxMessage.objects.get()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at


def test_a_dedupe_key_makes_a_second_put_a_no_op():
    assert outbox_put(topic="test.record", payload={"n": 1}, dedupe_key="k")
    assert outbox_put(topic="test.record", payload={"n": 2}, dedupe_key="k") is None
    outbox_drain()
    assert CALLS == [{"n": 1}]


def test_a_failing_handler_is_retried_later_with_growing_delays_then_given_up():
    outbox_put(topic="test.record", payload={"fail": True})
    now = timezone.now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = outbox_drain(now=now)
        row = OutboxMessage.objects.get()
        assert row.attempts == attempt and "SMTP" in row.last_error
        if attempt < MAX_ATTEMPTS:
            assert result.retried == 1 and row.status == "pending"
            # Not again before the delay is up.
            assert outbox_drain(now=row.available_at - timedelta(seconds=1)).retried == 0
            waits.append(row.available_at - now)
            now = row.available_at
        else:
            assert result.given_up == 1 and row.status == "failed"
    assert waits == sorted(waits) and waits[0] == timedelta(minutes=1)
    assert max(waits) == timedelta(hours=6)
    assert len(CALLS) == MAX_ATTEMPTS
    # Given up: shown to administrators, left alone by the worker until one retries it.
    assert outbox_backlog()["failed"] == 1
    assert outbox_drain(now=now + timedelta(days=9)).retried == 0
    assert outbox_retry(ids=[row.pk]) == 1
    outbox_drain()
    assert OutboxMessage.objects.get().attempts == 1


def test_a_failing_handlers_own_writes_are_undone(dc_handler):
    @outbox_handler("test.half_done")
    def half_done(payload: dict) -> None:
        notify(recipients=[dc_handler], kind="general", title="半途", dedupe_key="half")
        raise RuntimeError("then it failed")

    outbox_put(topic="test.half_done")
    assert outbox_drain().retried == 1
    assert not Notification.objects.exists()


def test_an_unknown_topic_waits_with_its_reason():
    outbox_put(topic="test.nobody")
    assert outbox_drain().retried == 1
    assert "test.nobody" in OutboxMessage.objects.get().last_error


@pytest.mark.parametrize(
    "attempts, minutes", [(1, 1), (2, 2), (3, 4), (6, 32), (9, 256), (10, 360), (30, 360)]
)
def test_the_retry_delay_doubles_up_to_six_hours(attempts, minutes):
    assert retry_delay(attempts) == timedelta(minutes=minutes)


def test_delivered_rows_are_pruned_after_thirty_days():
    outbox_put(topic="test.record")
    outbox_drain()
    later = timezone.now() + timedelta(days=31)
    assert outbox_prune(now=timezone.now()) == 0
    assert outbox_prune(now=later) == 1


def test_the_backlog_counts_what_waits(dc_handler):
    assert outbox_backlog() == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    outbox_put(topic="test.record")
    backlog = outbox_backlog(now=timezone.now() + timedelta(minutes=5))
    assert backlog["pending"] == 1 and backlog["oldest_pending_seconds"] >= 299


# --- the job queue does not answer ------------------------------------------------------------


@pytest.fixture
def queue_down(monkeypatch):
    """The worker's nudge goes to a Redis on a closed port, as when Redis is down."""
    from huey.contrib.djhuey import HUEY

    pool = redis.ConnectionPool.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", RedisStorage("xf-down", connection_pool=pool))
    monkeypatch.setattr(outbox, "_queue_down_until", 0.0)


@pytest.fixture
def emailed(org, dc_leader, district_supervisor):
    """Everyone who will be told, told by e-mail too: [leader, supervisor, community handler]."""
    dh_handler = _member("dh_handler", org.donghu, "handler")
    for staff in (dc_leader, district_supervisor, dh_handler):
        staff.email = f"{staff.username}@example.gov.cn"
        staff.save()
        preferences_save(
            actor=staff, choices={"incident": (True, True), "assignment": (True, True)}
        )
    return [dc_leader, district_supervisor, dh_handler]


def _payload(org):
    from tests.api.test_petitions_api import payload

    return payload(org, is_urgent=True)


def test_with_redis_down_registration_and_a_transition_answer_2xx_and_mail_waits(
    api, org, dc_registrar, dc_leader, emailed, queue_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = api.as_(dc_registrar).post("/api/v1/petitions/", _payload(org), format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assigned = api.as_(dc_leader).post(
            f"/api/v1/petitions/{pk}/assign/",
            {"to_unit": org.donghu.pk, "handler": emailed[2].pk},
            format="json",
        )
    assert assigned.status_code == 200, assigned.content
    # The inbox has every notice; every e-mail waits in the outbox, none was sent.
    assert Notification.objects.filter(kind="incident").count() == 2
    assert Notification.objects.filter(kind="assignment", recipient=emailed[2]).count() == 1
    waiting = OutboxMessage.objects.filter(topic="notifications.email", status="pending")
    assert waiting.count() == 3 and mail.outbox == []
    # Redis is back: the worker's sweep sends each once, a second sweep nothing.
    assert outbox_drain().sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in emailed)
    assert outbox_drain().sent == 0 and len(mail.outbox) == 3
    assert OutboxMessage.objects.filter(status="sent").count() == 3


def test_with_redis_down_a_page_transition_redirects(
    client, org, dc_registrar, dc_leader, emailed, queue_down, django_capture_on_commit_callbacks
):
    from tests.petitions.factories import register

    p = register(dc_registrar, org.dongcheng)
    client.force_login(dc_leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/petitions/{p.pk}/act/assign/",
            {
                "assign-to_unit": org.donghu.pk,
                "assign-handler": emailed[2].pk,
                "assign-version": p.version,
            },
        )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == "assigned"
    assert OutboxMessage.objects.filter(topic="notifications.email").count() == 1
    outbox_drain()
    outbox_drain()
    assert [m.to[0] for m in mail.outbox] == [emailed[2].email]


def test_with_the_queue_up_the_nudge_delivers_at_once(emailed, django_capture_on_commit_callbacks):
    # Tests run the queue in-process (immediate): the nudge after the commit drains.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(recipients=[emailed[2]], kind="assignment", title="新交办件", dedupe_key="a1")
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == "sent"


# --- several workers at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_three_workers_draining_at_once_deliver_every_row_once(monkeypatch):
    from tests.workflow.test_concurrency import race

    # No nudge: outside a test's transaction it would drain each row as it is put.
    monkeypatch.setattr(outbox, "_queue_down_until", float("inf"))
    for n in range(30):
        outbox_put(topic="test.record", payload={"n": n})
    results = race(outbox_drain, outbox_drain, outbox_drain)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.sent for r in results) == 30
    assert sorted(c["n"] for c in CALLS) == list(range(30))
    assert OutboxMessage.objects.filter(status="sent", attempts=1).count() == 30


# --- the worker and the admin ------------------------------------------------------------------


def test_the_worker_sweeps_every_minute():
    from huey.contrib.djhuey import HUEY

    import xinfang.core.tasks  # noqa: F401  (the worker imports every app's tasks)

    periodic = {t.__name__: t for t in HUEY._registry._periodic_tasks}
    sweep = periodic["outbox_sweep_task"]
    assert sweep().validate_datetime(timezone.now().replace(tzinfo=None, minute=7))
    assert sweep().validate_datetime(timezone.now().replace(tzinfo=None, minute=8))


def test_admins_see_given_up_rows_with_their_error_and_retry_them(admin_client):
    outbox_put(topic="test.record", payload={"fail": True})
    OutboxMessage.objects.update(attempts=MAX_ATTEMPTS - 1)
    outbox_drain()
    row = OutboxMessage.objects.get()
    assert row.status == "failed"
    page = admin_client.get("/admin/core/outboxmessage/?status__exact=failed")
    assert page.status_code == 200 and "test.record" in page.content.decode()
    detail = admin_client.get(f"/admin/core/outboxmessage/{row.pk}/change/")
    assert "SMTP 服务器拒绝连接" in detail.content.decode()
    done = admin_client.post(
        "/admin/core/outboxmessage/",
        {"action": "retry_now", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "已安排 1 项立即重试" in done.content.decode()
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 0
