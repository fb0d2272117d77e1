"""Ownership target dates are reminded and missed deadlines escalate on their own: an order
after N days overdue, 挂牌督办 M days after an order, each exactly once however often the job
runs; the days are rules an admin edits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import models

from tests.clock import at
from tests.conftest import _member
from tests.petitions.factories import register
from xinfang.core.db import _copy_value, models_copy, rows_copy
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineRule, SupervisionOrder


def scan_twice(day: date, hour: int = 9):
    with time_machine.travel(at(day.year, day.month, day.day, hour), tick=False):
        return wf.deadlines_check(), wf.deadlines_check()


def test_the_owner_and_the_leader_above_are_reminded_of_the_target_date(
    org, handling, dc_leader, dc_deputy, cn_leader, dc_handler
):
    p = handling(at(2025, 6, 2))
    wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="协调市政部门疏通下水道",
        target_on=date(2025, 6, 20),
        now=at(2025, 6, 2, 11),
    )
    counts = {}
    for offset in range(14, 24):
        day = date(2025, 6, 3) + timedelta(days=offset)
        first, second = scan_twice(day)
        assert second.ownership_reminders == 0
        if first.ownership_reminders:
            counts[day] = first.ownership_reminders
    # 3 days before, 1 day before, on the day, and once the day after it passed.
    assert counts == {
        date(2025, 6, 17): 1,
        date(2025, 6, 19): 1,
        date(2025, 6, 20): 1,
        date(2025, 6, 21): 1,
    }
    for person in (dc_deputy, cn_leader):
        titles = list(
            Notification.objects.filter(recipient=person, kind="ownership")
            .exclude(title__startswith="包案：")
            .values_list("title", flat=True)
        )
        assert len(titles) == 4, person
        assert sum(t.startswith("包案化解时限已过") for t in titles) == 1
    # The leader above is 城南区's, not the owner's colleague in 东城 nor the handler.
    assert not Notification.objects.filter(
        recipient__in=[dc_leader, dc_handler], title__startswith="包案化解时限"
    ).exists()


def test_an_overdue_case_is_supervised_once_then_flagged_once(
    org, handling, dc_leader, district_supervisor
):
    p = handling(at(2025, 6, 2), difficulty="hard")
    assert p.conclude_by == date(2025, 8, 1)
    # Overdue from 08-02; the third day late (08-04) the system raises an order, once.
    assert scan_twice(date(2025, 8, 3))[0].orders_raised == 0
    first, second = scan_twice(date(2025, 8, 4))
    assert (first.orders_raised, second.orders_raised) == (1, 0)
    order = SupervisionOrder.objects.get(petition=p)
    assert order.issued_by is None and order.level == "normal" and order.unit == org.dongcheng
    assert order.issuer_name == "系统自动督办"
    # Five working days to answer: 08-05 … 08-11.
    assert order.due_on == date(2025, 8, 11) and "已超期3日" in order.requirements
    assert (
        Notification.objects.filter(
            recipient__in=[dc_leader, district_supervisor], title__startswith="自动督办"
        ).count()
        == 2
    )
    # Seven days after the order and still overdue: 挂牌督办, once.
    assert scan_twice(date(2025, 8, 10))[0].orders_flagged == 0
    first, second = scan_twice(date(2025, 8, 11))
    assert (first.orders_flagged, second.orders_flagged) == (1, 0)
    order.refresh_from_db()
    assert order.level == "flagged" and order.flagged_at is not None
    kinds = list(Petition.objects.get(pk=p.pk).events.values_list("kind", flat=True))
    assert kinds.count("supervise") == 1 and kinds.count("supervision_flag") == 1
    # Nothing more, however long it stays late.
    later = scan_twice(date(2025, 8, 20))[0]
    assert (later.orders_raised, later.orders_flagged) == (0, 0)
    assert SupervisionOrder.objects.filter(petition=p).count() == 1


def test_a_closed_order_is_not_raised_again_for_the_same_deadline(
    org, handling, district_supervisor
):
    p = handling(at(2025, 6, 2), difficulty="hard")
    scan_twice(date(2025, 8, 4))
    order = SupervisionOrder.objects.get(petition=p)
    wf.supervision_order_close(order=order, actor=district_supervisor, now=at(2025, 8, 5))
    assert scan_twice(date(2025, 8, 6))[0].orders_raised == 0
    assert SupervisionOrder.objects.filter(petition=p).count() == 1


def test_a_case_handled_in_time_after_the_order_is_not_flagged(
    org, handling, dc_leader, dc_handler
):
    from tests.petitions.factories import REPLY

    p = handling(at(2025, 6, 2), difficulty="hard")
    scan_twice(date(2025, 8, 4))
    wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 8, 6))
    assert scan_twice(date(2025, 8, 12))[0].orders_flagged == 0
    assert SupervisionOrder.objects.get(petition=p).level == "normal"


@pytest.mark.parametrize(
    ("days", "raised_on"), [(0, None), (1, date(2025, 8, 5)), (3, date(2025, 8, 7))]
)
def test_the_escalation_days_are_a_rule_the_admin_sets(client, org, handling, days, raised_on):
    admin = _member("sysadmin", org.city, "admin")
    client.force_login(admin)
    page = client.get("/settings/rules/").content.decode()
    assert "超期多少日自动督办" in page and "升级为挂牌督办" in page
    response = client.post(
        "/settings/rules/", {"key": "escalate_order", "days": days, "unit": "calendar"}
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(key="escalate_order").days == days
    p = handling(at(2025, 6, 4), difficulty="hard")
    assert p.conclude_by == date(2025, 8, 4)  # 08-03 is a Sunday
    for day in (date(2025, 8, 5), date(2025, 8, 6), date(2025, 8, 7)):
        if scan_twice(day)[0].orders_raised:
            assert day == raised_on
            break
    else:
        assert raised_on is None
    assert SupervisionOrder.objects.filter(petition=p).exists() is (raised_on is not None)


def test_only_the_escalation_rules_may_be_switched_off(org):
    admin = _member("sysadmin", org.city, "admin")
    from xinfang.core.errors import ValidationFailed

    wf.deadline_rule_update(actor=admin, key="escalate_flag", days=0, unit="calendar")
    with pytest.raises(ValidationFailed, match="1至365"):
        wf.deadline_rule_update(actor=admin, key="conclude_by", days=0, unit="calendar")


def test_orders_are_raised_a_batch_at_a_time_in_queries_that_do_not_grow_with_the_cases(
    settings, org, handling, dc_leader, cn_leader, dc_handler, district_supervisor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.petitions.history import case_digest, chain_verify
    from xinfang.workflow.services.escalation import escalations_run

    # Only the raising is measured: no 挂牌督办 of the first cases' orders on the later day.
    DeadlineRule.objects.filter(key="escalate_flag").update(days=0)

    def raise_on(received_day: int, n: int, raised_on: date) -> int:
        for i in range(n):
            handling(at(2025, 6, received_day, 9, i), difficulty="hard")
        with CaptureQueriesContext(connection) as queries:
            done = escalations_run(now=at(raised_on.year, raised_on.month, raised_on.day, 9))
        assert done.raised == n
        return len(queries)

    few = raise_on(2, 2, date(2025, 8, 4))
    assert raise_on(9, 12, date(2025, 8, 11)) == few
    assert escalations_run(now=at(2025, 8, 11, 10)).raised == 0

    # Batches of two, one case with an owner (the district's leader), one changed directly in
    # the table (its handler cleared without an event): each is supervised once, as one case
    # at a time would be.
    settings.DEADLINE_SCAN_BATCH = 2
    cases = [handling(at(2025, 6, 16, 9, i), difficulty="hard") for i in range(5)]
    wf.ownership_assign(
        petition=cases[0],
        actor=dc_leader,
        owner=cn_leader,
        matter="督促办理",
        target_on=date(2025, 9, 30),
        now=at(2025, 6, 17),
    )
    Petition.objects.filter(pk=cases[1].pk).update(handler=None)
    versions = {p.pk: Petition.objects.get(pk=p.pk).version for p in cases}
    first = escalations_run(now=at(2025, 8, 18, 9))
    again = escalations_run(now=at(2025, 8, 18, 10))
    assert (first.raised, again.raised, again.notifications) == (5, 0, 0)
    for i, p in enumerate(cases):
        p.refresh_from_db()
        order = SupervisionOrder.objects.get(petition=p)
        assert order.issued_by is None and order.unit == org.dongcheng
        assert "办结期限（2025年08月15日）已超期3日" in order.requirements
        event = p.events.get(kind="supervise")
        assert event.actor is None and event.data["order"] == order.pk
        assert event.data["via"] == "system" and event.data["days_late"] == 3
        assert event.case_digest == case_digest(p) and event.case_version == p.version
        assert p.version == versions[p.pk] + 1
        assert chain_verify(p, list(p.events.order_by("seq"))) == []
        told = set(
            Notification.objects.filter(
                petition=p, kind="supervision", dedupe_key=f"supervision:{order.pk}:raised"
            ).values_list("recipient__username", flat=True)
        )
        expected = {"dc_leader", "district_supervisor"}
        expected |= {"cn_leader"} if i == 0 else set()
        expected |= set() if i == 1 else {"dc_handler"}
        assert told == expected, i


def test_orders_copied_in_store_what_bulk_create_stores_with_keys_in_order(org, dc_registrar):
    cases = [
        register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9, i), difficulty="hard")
        for i in range(3)
    ]

    def orders(note: str) -> list[SupervisionOrder]:
        return [
            SupervisionOrder(
                petition_id=p.pk,
                unit=org.dongcheng,
                issued_at=at(2025, 3, 25, 10),
                requirements=f"{note}：请于3月30日前办结，“引号”\t与\\反斜杠\n换行",
                due_on=date(2025, 3, 30),
                due_basis={"days": 5, "unit": "working", "holidays": ["2025-04-04"]},
            )
            for p in cases
        ]

    copied, created = orders("督办"), orders("督办")
    models_copy(copied)
    SupervisionOrder.objects.bulk_create(created)
    keys = [o.pk for o in copied]
    assert keys == sorted(keys) and all(k is not None for k in keys)
    assert all(not o._state.adding for o in copied)

    def stored(objs):
        rows = SupervisionOrder.objects.filter(pk__in=[o.pk for o in objs]).order_by("pk")
        return [{k: v for k, v in row.items() if k != "id"} for row in rows.values()]

    assert stored(copied) == stored(created)
    assert [r["petition_id"] for r in stored(copied)] == [p.pk for p in cases]


def test_orders_copied_as_rows_store_what_bulk_create_stores_with_keys_in_order(org, dc_registrar):
    cases = [
        register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9, i), difficulty="hard")
        for i in range(3)
    ]
    basis = {"days": 5, "unit": "working", "holidays": ["2025-04-04"]}  # one for every row
    level = SupervisionOrder.Level.NORMAL
    names = ("petition_id", "unit_id", "issued_by_id", "issued_at", "level", "requirements")
    rows = [
        (
            p.pk,
            org.dongcheng.pk,
            None,
            at(2025, 3, 25, 10),
            level,
            f"督办{i}：“引号”\t与\\反斜杠\n换行",
        )
        for i, p in enumerate(cases)
    ]
    keys = rows_copy(
        SupervisionOrder,
        (*names, "due_on", "due_basis"),
        [(*row, date(2025, 3, 30), basis) for row in rows],
    )
    created = SupervisionOrder.objects.bulk_create(
        [
            SupervisionOrder(
                **dict(zip(names, row, strict=True)), due_on=date(2025, 3, 30), due_basis=basis
            )
            for row in rows
        ]
    )
    assert keys == sorted(keys) and None not in keys and len(set(keys)) == 3

    def stored(pks):
        found = SupervisionOrder.objects.filter(pk__in=pks).order_by("pk")
        return [{k: v for k, v in row.items() if k != "id"} for row in found.values()]

    assert stored(keys) == stored([o.pk for o in created])
    assert [r["petition_id"] for r in stored(keys)] == [p.pk for p in cases]
    assert stored(keys)[0]["status"] == "open" and stored(keys)[0]["due_basis"] == basis
    assert rows_copy(SupervisionOrder, names, []) == []
    with pytest.raises(ValueError, match="unit"):
        rows_copy(SupervisionOrder, ("petition_id", "unit"), [(cases[0].pk, org.dongcheng)])


def test_a_copied_value_is_taken_as_it_is_only_for_djangos_own_plain_fields():
    class Sealed(models.CharField):
        def get_db_prep_save(self, value, connection):
            return f"sealed:{value}"

    assert _copy_value(models.CharField(), "督办") == "督办"
    assert _copy_value(models.DateField(), date(2025, 3, 30)) == date(2025, 3, 30)
    # A field of our own (an encrypted one, say) prepares every value; JSON is adapted.
    assert _copy_value(Sealed(), "督办") == "sealed:督办"
    assert _copy_value(models.JSONField(), {"days": 5}) != {"days": 5}


def test_a_backlogs_mark_and_order_move_the_case_once(org, handling, dc_leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.petitions.history import case_digest, chain_verify
    from xinfang.workflow.services.deadline_watch import MARK_FIELDS
    from xinfang.workflow.services.escalation import ORDER_CASE_FIELDS

    # What the order reads of a case, the mark's batch reads too.
    assert set(ORDER_CASE_FIELDS) <= set(MARK_FIELDS)
    # Late since 08-02 and never scanned: the first run, on 08-04, marks it and raises its
    # order, both events on one head move (version + 2), in the mark's transaction.
    cases = [handling(at(2025, 6, 2, 9, i), difficulty="hard") for i in range(3)]
    versions = {p.pk: Petition.objects.get(pk=p.pk).version for p in cases}
    with (
        CaptureQueriesContext(connection) as queries,
        time_machine.travel(at(2025, 8, 4, 9), tick=False),
    ):
        scan = wf.deadlines_check()
    assert (scan.events, scan.orders_raised) == (3, 3)
    moves = [q["sql"] for q in queries if q["sql"].startswith("UPDATE petitions_petition SET")]
    assert len(moves) == 1, moves
    for p in cases:
        p.refresh_from_db()
        assert p.version == versions[p.pk] + 2
        events = list(p.events.order_by("seq"))
        mark, supervise = events[-2:]
        assert (mark.kind, mark.case_version) == ("overdue", p.version - 1)
        assert (supervise.kind, supervise.case_version) == ("supervise", p.version)
        assert supervise.prev_hash == mark.hash and p.history_head == supervise.hash
        assert supervise.case_digest == case_digest(p)
        assert supervise.data["order"] == SupervisionOrder.objects.get(petition=p).pk
        assert chain_verify(p, events) == []
        assert Notification.objects.filter(
            petition=p, recipient=dc_leader, title__startswith="自动督办"
        ).exists()
    # Nothing more that day: neither the mark nor the order again.
    with time_machine.travel(at(2025, 8, 4, 10), tick=False):
        again = wf.deadlines_check()
    assert (again.events, again.orders_raised, again.notifications) == (0, 0, 0)
