"""The deadline scan's log and notices name their cases, and notices their recipients, without
a foreign-key constraint in the database (issue 19): a constraint's check locks each row it
names (KEY SHARE), which on PostgreSQL writes the case's page, a first run's ~200,000 of them
most of its WAL, waits for every case someone is editing at that moment, and makes a
multixact of each staff row two lanes lock. So do the events and automatic orders a first
run appends (their checks were most of its marks' commits); Django still protects a case
with a history and a unit with orders, and verify-history names an event without its case."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import ProtectedError

from tests.clock import at
from tests.petitions.factories import register
from xinfang.demo.petitions.reset import _delete_protecting
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineReminder, SupervisionOrder


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "column"),
    [
        (DeadlineReminder, "petition_id"),
        (Notification, "petition_id"),
        (Notification, "recipient_id"),
        (PetitionEvent, "petition_id"),
        (SupervisionOrder, "petition_id"),
        (SupervisionOrder, "unit_id"),
    ],
)
def test_it_keeps_no_database_constraint_from_the_log_to_the_case(model, column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    assert not [
        name for name, c in constraints.items() if c["foreign_key"] and c["columns"] == [column]
    ]


@pytest.mark.django_db(transaction=True)
def test_it_reminds_of_a_case_someone_holds_locked(org, dc_registrar, dc_leader):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row locks to wait on")
    case = register(dc_registrar, org.dongcheng, at=at(2025, 3, 5, 9), difficulty="hard")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        # A transition in progress: the case row locked FOR UPDATE until it commits.
        try:
            with transaction.atomic():
                Petition.objects.select_for_update().get(pk=case.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        # Its decision is due tomorrow: a reminder, logged and sent while the row is held.
        scan = wf.deadlines_check(now=at(2025, 3, 19, 10))
    finally:
        release.set()
        holder.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert scan.counts["decide_by:1d"] == 1
    assert DeadlineReminder.objects.filter(petition=case).count() == 1
    assert Notification.objects.filter(petition=case).exists()


@pytest.mark.django_db
def test_a_deleted_case_takes_its_log_rows_and_notices_with_it(org, dc_registrar, dc_leader):
    # The demo's reset deletes cases: Django cascades where the database no longer does.
    case = register(dc_registrar, org.dongcheng, at=at(2025, 3, 5, 9), difficulty="hard")
    wf.deadlines_check(now=at(2025, 3, 19, 10))
    assert DeadlineReminder.objects.filter(petition=case).exists()
    assert Notification.objects.filter(petition=case).exists()
    _delete_protecting(Petition, {case.pk})  # its history first, as the reset does
    Petition.objects.filter(pk=case.pk).delete()
    assert not DeadlineReminder.objects.filter(petition_id=case.pk).exists()
    assert not Notification.objects.filter(petition_id=case.pk).exists()


@pytest.mark.django_db
def test_a_deleted_staff_member_takes_their_notices_with_them(org, dc_registrar, dc_leader):
    register(dc_registrar, org.dongcheng, at=at(2025, 3, 5, 9), difficulty="hard")
    wf.deadlines_check(now=at(2025, 3, 19, 10))
    assert Notification.objects.filter(recipient=dc_leader).exists()
    dc_leader.delete()
    assert not Notification.objects.filter(recipient_id=dc_leader.pk).exists()


@pytest.mark.django_db
def test_a_case_with_a_history_and_a_unit_with_orders_are_still_protected(handling):
    case = handling(at(2025, 6, 2), difficulty="hard")
    # Its handling limit (08-01) three days past: marked overdue and ordered, in one run.
    scan = wf.deadlines_check(now=at(2025, 8, 4, 10))
    assert scan.orders_raised == 1
    order = SupervisionOrder.objects.get(petition=case)
    with pytest.raises(ProtectedError):
        Petition.objects.filter(pk=case.pk).delete()
    with pytest.raises(ProtectedError):
        order.unit.delete()
    assert (
        PetitionEvent.objects.filter(petition=case, kind__in=["overdue", "supervise"]).count() == 2
    )
