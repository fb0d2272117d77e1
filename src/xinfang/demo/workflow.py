"""Demo supervision for `xinfang demo`, on top of the demo petitions: owners (包案), a flagged
order on a late 东城 case, an order answered by the mine, a handler's extension request
waiting for 东城's leader, follow-ups scheduled and due, a hearing in a re-review, and one
run of the deadline watch so that the inboxes and histories look as they would after a day.

Everything goes through the services, so events, deadlines and notifications are genuine;
each part is skipped when it exists already, so running it twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.petitions.models import Petition, Petitioner, PetitionParty, State, open_q
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.workflow import services as wf
from xinfang.workflow.models import (
    CaseNote,
    DeadlineReminder,
    ExtensionRequest,
    FollowUp,
    Hearing,
    Ownership,
    Recusal,
    SupervisionOrder,
)

HANDLING = (State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS)


def _demo() -> Q:
    """The demo cases (and cases registered again from them at a follow-up)."""
    return Q(idempotency_key__startswith=KEY_PREFIX) | Q(
        repeat_of__idempotency_key__startswith=KEY_PREFIX
    )


def _staff(username: str) -> Staff | None:
    return Staff.objects.filter(username=username).first()


def _leader_over(unit: Unit) -> Staff | None:
    """A leader of the unit or of the nearest unit above it."""
    paths = [unit.path[:i] for i in range(len(unit.path), 0, -Unit.steplen)]
    for path in paths:
        m = Membership.objects.filter(unit__path=path, role=Role.LEADER).select_related("staff")
        if m.exists():
            return m.order_by("pk").first().staff
    return None


def _say(stdout: TextIO | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def demo_supervision_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Add the demo supervision to the demo petitions; return how many records were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demo = Petition.objects.filter(_demo())
    if not demo.exists():
        return 0
    made = 0
    with transaction.atomic():
        made += _owners(demo, now, today)
        made += _orders(demo, now, today)
        made += _extension(demo, now, today)
        made += _hearing(demo, now, today)
        made += _case_notes(demo, now, today)
        made += _follow_ups(demo, now, today)
        made += _recusals(demo, now)
        made += _duplicate_person(demo)
        scan = wf.deadlines_check(now=now)
    _say(
        stdout,
        f"演示督办：新建 {made} 条（包案、督办、延期申请、听证、办理记录、回访、回避）；"
        f"期限检查发出提醒 {scan.total} 条，超期标记 {scan.events} 件，"
        f"自动督办 {scan.orders_raised} 件，升级挂牌 {scan.orders_flagged} 件。",
    )
    return made


def _owners(demo, now: datetime, today) -> int:
    if Ownership.objects.filter(petition__in=demo).exists():
        return 0
    made = 0
    mine = (
        demo.filter(responsible_unit__code="LJ-CN-QS", headcount=12, state__in=HANDLING)
        .order_by("pk")
        .first()
    )
    qs_leader, dc_leader = _staff("qs_leader"), _staff("dc_leader")
    cn_leader = _staff("cn_leader")
    # SCENARIOS.md 2: a deputy head of the township owns the twelve villagers' case.
    if mine and qs_leader:
        wf.ownership_assign(
            petition=mine,
            actor=qs_leader,
            owner=qs_leader,
            matter="牵头组织房屋损坏鉴定，督促青山煤矿落实赔偿和村民饮水",
            target_on=max(mine.conclude_by or today, today + timedelta(days=10)),
            now=now,
        )
        made += 1
    late = list(
        demo.filter(open_q(), responsible_unit__code="LJ-CN-DC", due_on__lt=today).order_by(
            "due_on"
        )[:2]
    )
    # The district leader's target is tomorrow: the deadline watch reminds him and the city.
    for p, (owner, matter, days) in zip(
        late,
        [
            (dc_leader, "督促承办人限期办结，逐项答复信访人诉求", 14),
            (cn_leader, "区领导包案：协调相关部门，本月内化解", 1),
        ],
        strict=False,
    ):
        if owner is None:
            continue
        wf.ownership_assign(
            petition=p,
            actor=owner,
            owner=owner,
            matter=matter,
            target_on=today + timedelta(days=days),
            now=now,
        )
        made += 1
    return made


def _orders(demo, now: datetime, today) -> int:
    supervisor = _staff("district_supervisor")
    if supervisor is None or SupervisionOrder.objects.filter(petition__in=demo).exists():
        return 0
    made = 0
    late = (
        demo.filter(
            open_q(),
            state=State.IN_PROGRESS,
            responsible_unit__code="LJ-CN-DC",
            due_on__lt=today,
        )
        .order_by("due_on")
        .first()
    )
    if late is not None:
        wf.supervision_order_issue(
            petition=late,
            actor=supervisor,
            level="flagged",
            requirements=(
                "该件已超过法定办理期限。请街道主要领导牵头，五日内办结并书面报告办理结果。"
            ),
            due_on=today + timedelta(days=5),
            now=now,
        )
        made += 1
    # An order nine days old on a case still late: the deadline watch upgrades it to 挂牌.
    stale = (
        demo.filter(open_q(), responsible_unit__code="LJ-CN-DC", due_on__lt=today)
        .exclude(pk=getattr(late, "pk", None))
        .order_by("due_on")
        .first()
    )
    if stale is not None:
        wf.supervision_order_issue(
            petition=stale,
            actor=supervisor,
            level="normal",
            requirements="该件已超期，请于两日内办结并反馈。",
            due_on=today - timedelta(days=7),
            now=now - timedelta(days=9),
        )
        made += 1
    mine_case = (
        demo.filter(open_q(), responsible_unit__code="LJ-CN-MK", state__in=HANDLING)
        .order_by("pk")
        .first()
    )
    desk = _staff("mine_desk")
    if mine_case is not None:
        order = wf.supervision_order_issue(
            petition=mine_case,
            actor=supervisor,
            level="normal",
            requirements="请煤矿信访办说明供水方案和时间表。",
            due_on=today + timedelta(days=7),
            now=now - timedelta(days=3),
        )
        made += 1
        if desk is not None:
            wf.supervision_order_respond(
                order=order,
                actor=desk,
                response="已安排送水车每日两次送水，新水井预计两周内打成。",
                now=now - timedelta(days=1),
            )
    return made


def _extension(demo, now: datetime, today) -> int:
    handler = _staff("dc_handler")
    if handler is None or ExtensionRequest.objects.filter(petition__in=demo).exists():
        return 0
    p = (
        demo.filter(
            state=State.IN_PROGRESS,
            responsible_unit__code="LJ-CN-DC",
            extension_days=0,
            handler=handler,
            conclude_by__gte=today,
        )
        .order_by("conclude_by")
        .first()
    )
    if p is None:
        return 0
    wf.extension_request(
        petition=p,
        actor=handler,
        days=30,
        reason="需等待区住建部门出具房屋安全鉴定报告，预计还需三周。",
        now=now,
    )
    return 1


def _hearing(demo, now: datetime, today) -> int:
    if Hearing.objects.filter(petition__in=demo).exists():
        return 0
    for p in demo.filter(state=State.RE_REVIEW_REQUESTED).order_by("-re_review_conclude_by"):
        start = p.deadline_basis.get("re_review_conclude_by", {}).get("start")
        held = today - timedelta(days=2)
        if not start or p.re_review_conclude_by < held or held.isoformat() < start:
            continue
        leader = _leader_over(p.re_reviewing_unit)
        if leader is None:
            continue
        wf.hearing_record(
            petition=p,
            actor=leader,
            held_on=held,
            days=7,
            participants="信访人及其代理人、原办理单位、复查机关、听证员三名",
            summary="信访人陈述复核请求，原办理单位和复查机关说明事实和依据，听证员询问。",
            outcome="听证员多数意见认为原处理意见事实清楚、依据充分。",
            now=now,
        )
        return 1
    return 0


# The running case log (办理记录) of three cases: who records it, the kind, how many days
# ago, who took part, what was done, and whether the petitioner sees it.
NOTES = {
    # SCENARIOS.md 2: the township and the mine's desk (co-handling) at work.
    "mine": [
        (
            "mine_desk",
            CaseNote.Kind.SITE_CHECK,
            9,
            "罗斌、青山村村委会主任",
            "逐户查看青山村房屋裂缝，拍照登记三十一户，其中六户裂缝宽度超过5毫米。",
            False,
        ),
        (
            "qs_leader",
            CaseNote.Kind.MEETING,
            6,
            "何志勇、青山煤矿、镇自然资源所、村民代表五人",
            "协调会议：煤矿同意委托第三方鉴定房屋损坏，先行送水到户。",
            False,
        ),
        (
            "qs_leader",
            CaseNote.Kind.PUBLIC_NOTICE,
            2,
            "青山镇人民政府",
            "房屋损坏鉴定机构和送水安排已在青山村村务公开栏公示。",
            True,
        ),
    ],
    # An ordinary 东城 case: a check, a call to the petitioner, a talk with the company.
    "dongcheng": [
        (
            "dc_handler",
            CaseNote.Kind.SITE_CHECK,
            5,
            "张伟、东湖社区网格员",
            "到现场查看，问题属实，已拍照取证。",
            False,
        ),
        (
            "dc_handler",
            CaseNote.Kind.CALL,
            3,
            "张伟与信访人",
            "电话告知信访人核实情况和下一步安排，信访人表示理解。",
            True,
        ),
        (
            "dc_handler",
            CaseNote.Kind.TALK,
            1,
            "张伟、物业公司负责人",
            "约谈物业公司负责人，要求一周内整改到位。",
            False,
        ),
    ],
}


def _case_notes(demo, now: datetime, today) -> int:
    """A running case log on the mine's case and on a 东城 case in handling."""
    if CaseNote.objects.filter(petition__in=demo).exists():
        return 0
    cases = {
        "mine": demo.filter(responsible_unit__code="LJ-CN-QS", headcount=12, state__in=HANDLING)
        .order_by("pk")
        .first(),
        "dongcheng": demo.filter(
            responsible_unit__code="LJ-CN-DC",
            state=State.IN_PROGRESS,
            is_accusation=False,
            handler__username="dc_handler",
        )
        .order_by("-received_at")
        .first(),
    }
    made = 0
    for key, notes in NOTES.items():
        p = cases[key]
        if p is None:
            continue
        for username, kind, days_ago, participants, content, public in notes:
            actor = _staff(username)
            if actor is None:
                continue
            wf.case_note_add(
                petition=p,
                actor=actor,
                kind=kind,
                happened_on=max(p.received_on, today - timedelta(days=days_ago)),
                participants=participants,
                content=content,
                is_public=public,
                now=now,
            )
            made += 1
    return made


def _follow_ups(demo, now: datetime, today) -> int:
    """Schedule the follow-ups of recent demo conclusions; record one of the due ones."""
    made = wf.follow_ups_schedule(now=now)
    due = (
        FollowUp.objects.filter(petition__in=demo, done_at__isnull=True, due_on__lte=today)
        .select_related("petition", "petition__responsible_unit")
        .order_by("due_on")
    )
    if not FollowUp.objects.filter(petition__in=demo, done_at__isnull=False).exists():
        for f in due:
            actor = f.petition.handler or _leader_over(f.petition.responsible_unit)
            if actor is None:
                continue
            wf.follow_up_record(
                follow_up=f,
                actor=actor,
                method="phone",
                finding="solved",
                petitioner_view="问题已经解决，对处理结果满意。",
                note="电话回访信访人，处理意见已落实。",
                now=now,
            )
            made += 1
            break
    return made


def _duplicate_person(demo) -> int:
    """A woman with several 东城 cases recorded twice, as an old desk did before a phone
    found her again: her latest case names a second record with her identity number, which
    `dc_registrar` merges from her page (可能是同一人的其他记录)."""
    parties = PetitionParty.objects.filter(
        petition__in=demo.filter(responsible_unit__code="LJ-CN-DC", is_accusation=False),
        role=PetitionParty.Role.PETITIONER,
        petitioner__id_number_index__gt="",
    )
    counts = (
        parties.values("petitioner")
        .annotate(n=Count("petition"))
        .filter(n__gte=3)
        .order_by("-n", "petitioner")
    )
    row = counts.first()
    if row is None:
        return 0
    person = Petitioner.objects.get(pk=row["petitioner"])
    twins = Petitioner.objects.filter(id_number_index=person.id_number_index).exclude(pk=person.pk)
    if twins.exists():
        return 0
    twin = Petitioner.objects.create(
        name=person.name,
        id_number=person.id_number,
        id_number_index=person.id_number_index,
        address=person.address,
        kind=person.kind,
    )
    latest = parties.filter(petitioner=person).order_by("-petition__received_at").first()
    latest.petitioner = twin
    latest.save(update_fields=["petitioner"])
    return 1


def _recusals(demo, now: datetime) -> int:
    """回避: 东湖社区's handler is herself the petitioner of a case waiting at her community
    (her identity on record finds it), and 东城's handler declared a conflict on another."""
    if Recusal.objects.filter(petition__in=demo).exists():
        return 0
    made = 0
    dh = _staff("dh_handler")
    party = (
        PetitionParty.objects.filter(
            petition__in=demo.filter(state=State.ASSIGNED, responsible_unit__code="LJ-CN-DC-DH"),
            role=PetitionParty.Role.PETITIONER,
        )
        .exclude(petitioner__phone_index="")
        .select_related("petitioner")
        .order_by("petition__received_at")
        .first()
    )
    if dh is not None and party is not None:
        wf.staff_identity_set(actor=dh, staff=dh, phone=party.petitioner.phone)
        made += 1
    handler = _staff("dc_handler")
    case = (
        demo.filter(state=State.REGISTERED, responsible_unit__code="LJ-CN-DC")
        .order_by("received_at")
        .first()
    )
    if handler is not None and case is not None:
        wf.recusal_declare(
            petition=case,
            actor=handler,
            reason="信访人是本人的邻居，双方有宅基地纠纷，申请回避。",
            now=now - timedelta(hours=3),
        )
        made += 1
    return made


@transaction.atomic
def demo_supervision_delete() -> int:
    """Remove the demo supervision records (the demo petitions' own reset also cascades to
    them); return how many rows went."""
    demo = Petition.objects.filter(_demo()).values("pk")
    deleted = 0
    for model in (
        DeadlineReminder,
        FollowUp,
        Hearing,
        CaseNote,
        ExtensionRequest,
        SupervisionOrder,
        Ownership,
        Recusal,
    ):
        deleted += model.objects.filter(petition__in=demo).delete()[0]
    return deleted
