"""Writes of screening reports: a unit's report or zero report for a period, and the
corrections that supersede it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    NotPermitted,
    ValidationFailed,
    VersionConflict,
    refuse,
)
from xinfang.petitions.models import Category
from xinfang.prevention.models import Dispute, ScreeningPeriod, ScreeningReport
from xinfang.prevention.services.common import FILING_ROLES, roles_refusal
from xinfang.prevention.services.screening_periods import (
    screening_period_to_file,
    screening_periods_ensure,
)
from xinfang.units.models import Membership, Role, Staff, Unit

Status = ScreeningPeriod.Status
MAX_ITEMS = 50


@dataclass
class DisputeInput:
    """One item of a screening report; `keep` names an item of the superseded version that
    a correction keeps as it was reported."""

    subject: str = ""
    parties: str = ""
    category: Category | None = None
    place: str = ""
    risk_level: str = Dispute.Risk.LOW
    description: str = ""
    measures: str = ""
    responsible: str = ""
    people_count: int = 1
    keep: int | None = None


def screening_report_refusal(actor: Staff | None, unit: Unit) -> DomainError | None:
    """Why the actor may not file (or correct) the unit's screening report, or None."""
    return roles_refusal(
        actor, unit, FILING_ROLES, f"只有{unit.name}的信息员或工作人员可以报送排查报告。"
    )


def _clean_item(item: DisputeInput, n: int) -> DisputeInput:
    where = f"第{n}条纠纷"
    subject = (item.subject or "").strip()
    parties = (item.parties or "").strip()
    if not subject:
        raise ValidationFailed(f"{where}：请填写纠纷事项。", {"field": f"disputes.{n}.subject"})
    if len(subject) > 200:
        raise ValidationFailed(f"{where}：纠纷事项不超过200字。", {"field": f"disputes.{n}"})
    if not parties:
        raise ValidationFailed(f"{where}：请填写当事人。", {"field": f"disputes.{n}.parties"})
    if item.category is None or not item.category.is_active:
        raise ValidationFailed(f"{where}：请选择纠纷类型。", {"field": f"disputes.{n}.category"})
    if item.risk_level not in Dispute.Risk.values:
        raise ValidationFailed(f"{where}：风险等级无效。", {"field": f"disputes.{n}.risk_level"})
    if not isinstance(item.people_count, int) or not 1 <= item.people_count <= 100000:
        raise ValidationFailed(f"{where}：涉及人数无效。", {"field": f"disputes.{n}.people_count"})
    return DisputeInput(
        subject=subject,
        parties=parties[:300],
        category=item.category,
        place=(item.place or "").strip()[:200],
        risk_level=item.risk_level,
        description=(item.description or "").strip(),
        measures=(item.measures or "").strip(),
        responsible=(item.responsible or "").strip()[:100],
        people_count=item.people_count,
    )


def screening_report_submit(
    *,
    actor: Staff | None,
    unit: Unit,
    period_start: date,
    is_zero: bool,
    disputes: Sequence[DisputeInput] = (),
    supersedes: ScreeningReport | None = None,
    note: str = "",
    correction_reason: str = "",
    now: datetime | None = None,
) -> ScreeningReport:
    """File a unit's screening report for the period starting period_start: the disputes
    found, or an explicit zero report. A late report is accepted and marked late; a
    correction is a new version naming the version it supersedes.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor is not an informant or staff member of the unit.
        ValidationFailed: the date is not the first day of one of the unit's periods, the
            period has not begun, or the items are missing, incomplete or contradict a zero
            report.
        VersionConflict: the unit already filed for the period and `supersedes` does not
            name the current version.
    """
    now = now or timezone.now()
    refuse(screening_report_refusal(actor, unit))
    if period_start is None:
        raise ValidationFailed("请选择排查周期。", {"field": "period_start"})
    if period_start > timezone.localdate(now):
        raise ValidationFailed("该周期尚未开始，不能提前报送。", {"field": "period_start"})
    items = list(disputes)
    _items_or_zero(items, is_zero, "请填写排查发现的纠纷，或者报送零报告。")
    new_items = [_clean_item(i, n) for n, i in enumerate(items, start=1) if i.keep is None]
    keep_ids = {i.keep for i in items if i.keep is not None}

    with transaction.atomic():
        period = _period_locked(unit, period_start, now)
        current = period.current_report
        if current is not None and (supersedes is None or supersedes.pk != current.pk):
            raise VersionConflict(
                f"{unit.name}{period.label}的排查报告已经报送（第{current.version}版）。"
                "如需更正，请注明更正的是哪一版。",
                {"current": current.pk, "version": current.version},
            )
        if current is None and supersedes is not None:
            raise ValidationFailed("本期还没有报告，无从更正。", {"field": "supersedes"})
        if current is not None and not (correction_reason or "").strip():
            correction_reason = "更正"

        open_items = list(period.disputes.filter(withdrawn_in__isnull=True)) if current else []
        unknown = keep_ids - {d.pk for d in open_items}
        if unknown:
            raise ValidationFailed("要保留的纠纷不属于本期现行报告。", {"field": "disputes"})
        dropped = [d for d in open_items if d.pk not in keep_ids]
        _refuse_dropping(dropped)

        return _version_file(
            period,
            current,
            actor=actor,
            is_zero=is_zero,
            new_items=new_items,
            dropped=dropped,
            note=note,
            correction_reason=correction_reason,
            now=now,
        )


def _refuse_dropping(dropped: Sequence[Dispute]) -> None:
    """A correction withdraws only items still being worked on.

    Raises:
        ValidationFailed: one of them was resolved or turned into a petition.
    """
    for d in dropped:
        if d.status != Dispute.Status.OPEN:
            done = "已化解" if d.status == Dispute.Status.RESOLVED else "已转为信访件"
            raise ValidationFailed(
                f"纠纷“{d.subject}”{done}，更正时不能删去。",
                {"field": "disputes", "dispute": d.pk},
            )


def _period_locked(unit: Unit, period_start: date, now: datetime) -> ScreeningPeriod:
    """The unit's period starting on period_start, locked for the new version.

    Raises:
        ValidationFailed: the unit does not report, or the date does not start its period.
    """
    screening_periods_ensure(first=period_start, units=[unit], now=now)
    period = (
        ScreeningPeriod.objects.select_for_update()
        .filter(unit=unit, starts_on__lte=period_start, ends_on__gte=period_start)
        # The shortest: a sensitive period's day inside a period reported before it.
        .order_by("-starts_on", "ends_on")
        .first()
    )
    if period is None:
        raise ValidationFailed(f"{unit.name}不需要报送矛盾纠纷排查报告。", {"field": "unit"})
    if period.starts_on != period_start:
        raise ValidationFailed(
            f"{period_start:%Y-%m-%d}不是{unit.name}排查周期的第一天；"
            f"该日所在的周期为{period.label}。",
            {"field": "period_start", "period_start": period.starts_on.isoformat()},
        )
    return period


def _version_file(
    period: ScreeningPeriod,
    current: ScreeningReport | None,
    *,
    actor: Staff | None,
    is_zero: bool,
    new_items: list[DisputeInput],
    dropped: Sequence[Dispute] = (),
    note: str = "",
    correction_reason: str = "",
    part: str = "",
    corrects_part: str = "",
    now: datetime,
) -> ScreeningReport:
    """Write the period's next version (its new items, the withdrawn ones) and its status."""
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    report = ScreeningReport.objects.create(
        period=period,
        unit_id=period.unit_id,
        version=current.version + 1 if current else 1,
        supersedes=current,
        is_current=True,
        is_zero=is_zero,
        is_late=now > period.due_at,
        note=(note or "").strip(),
        correction_reason=(correction_reason or "").strip()[:200],
        part=part,
        corrects_part=corrects_part,
        submitted_by=actor,
        submitted_at=now,
    )
    Dispute.objects.filter(pk__in=[d.pk for d in dropped]).update(withdrawn_in=report)
    Dispute.objects.bulk_create(
        [
            Dispute(
                unit_id=period.unit_id,
                period=period,
                reported_in=report,
                subject=i.subject,
                parties=i.parties,
                people_count=i.people_count,
                category=i.category,
                place=i.place,
                risk_level=i.risk_level,
                description=i.description,
                measures=i.measures,
                responsible=i.responsible,
            )
            for i in new_items
        ]
    )
    period.first_filed_at = period.first_filed_at or now
    period.current_report = report
    if period.first_filed_at > period.due_at:
        period.status = Status.LATE
    else:
        period.status = Status.ZERO if is_zero else Status.FILED
    period.save(update_fields=["first_filed_at", "current_report", "status"])
    return report


def screening_part_refusal(
    actor: Staff | None, unit: Unit, period: ScreeningPeriod | None = None, part: str = ""
) -> DomainError | None:
    """Why the actor may not file a part (分项) of the unit's screening report, or None: the
    unit's own staff and informants may, once per department and period (a part already
    filed is changed by correcting the report)."""
    refusal = screening_report_refusal(actor, unit)
    if refusal is not None or period is None or not part:
        return refusal
    filed = period.reports.filter(part=part).select_related("submitted_by").first()
    if filed is not None:
        by = filed.submitted_by.display_name if filed.submitted_by else "系统"
        return ValidationFailed(
            f"{unit.name}{period.label}“{part}”的分项已由{by}报送（第{filed.version}版）；"
            "如需修改，请更正本期报告。",
            {"field": "part", "report": filed.pk},
        )
    return None


def _items_or_zero(items: list[DisputeInput], is_zero: bool, missing: str) -> None:
    """Items, or "found nothing", not both and not neither, and not too many.

    Raises:
        ValidationFailed: the message `missing` when there is neither.
    """
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"一份报告最多填写{MAX_ITEMS}条纠纷。", {"field": "disputes"})
    if is_zero and items:
        raise ValidationFailed(
            "零报告不能同时填写纠纷；请去掉纠纷或取消零报告。", {"field": "is_zero"}
        )
    if not is_zero and not items:
        raise ValidationFailed(missing, {"field": "disputes"})


def _part_items(disputes: Sequence[DisputeInput], is_zero: bool) -> list[DisputeInput]:
    """A part's items checked: new ones only, or none for a department that found nothing.

    Raises:
        ValidationFailed: an item names one already reported, too many, missing or
            incomplete items, or items with "found nothing".
    """
    items = list(disputes)
    if any(i.keep is not None for i in items):
        raise ValidationFailed(
            "分项只能新增纠纷；要改动已报的纠纷，请更正本期报告。", {"field": "disputes"}
        )
    _items_or_zero(items, is_zero, "请填写本部门排查发现的纠纷，或者报“本部门未发现”。")
    return [_clean_item(i, n) for n, i in enumerate(items, start=1)]


def screening_part_submit(
    *,
    actor: Staff | None,
    unit: Unit,
    period_start: date,
    part: str,
    is_zero: bool,
    disputes: Sequence[DisputeInput] = (),
    note: str = "",
    now: datetime | None = None,
) -> ScreeningReport:
    """File one department's part of the unit's screening report for the period: a new
    version that keeps every item already reported and adds the part's items, or says the
    department found nothing. The unit's report is a zero report only while every part is.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor is not an informant or staff member of the unit.
        ValidationFailed: no department named, the department already filed its part, the
            period is wrong or has not begun, or the items are missing, incomplete or
            contradict a zero part.
    """
    now = now or timezone.now()
    refuse(screening_part_refusal(actor, unit))
    part = (part or "").strip()
    if not part:
        raise ValidationFailed("请填写分项（部门）名称。", {"field": "part"})
    if len(part) > 50:
        raise ValidationFailed(f"分项名称最多 50 字（现在 {len(part)} 字）。", {"field": "part"})
    if period_start is None:
        raise ValidationFailed("请选择排查周期。", {"field": "period_start"})
    if period_start > timezone.localdate(now):
        raise ValidationFailed("该周期尚未开始，不能提前报送。", {"field": "period_start"})
    new_items = _part_items(disputes, is_zero)
    with transaction.atomic():
        period = _period_locked(unit, period_start, now)
        refuse(screening_part_refusal(actor, unit, period, part))
        current = period.current_report
        return _version_file(
            period,
            current,
            actor=actor,
            is_zero=is_zero and (current is None or current.is_zero),
            new_items=new_items,
            note=note,
            part=part,
            now=now,
        )


def screening_part_correction_refusal(
    actor: Staff | None, report: ScreeningReport, now: datetime | None = None
) -> DomainError | None:
    """Why the actor may not correct this department's part (分项) alone, or None: its filer
    or a registrar of the unit may, until the period's report is due; after that (or for
    anyone else of the unit) the whole report is corrected instead."""
    refusal = screening_report_refusal(actor, report.unit)
    if refusal is not None:
        return refusal
    if not report.part:
        return ValidationFailed("这不是部门分项，请更正本期报告。", {"field": "report"})
    filer = report.submitted_by
    registrar = Membership.objects.filter(
        staff=actor, unit_id=report.unit_id, role=Role.REGISTRAR
    ).exists()
    if not (actor.is_superuser or registrar or (filer is not None and filer.pk == actor.pk)):
        by = filer.display_name if filer else "系统"
        return NotPermitted(
            f"“{report.part}”分项由{by}报送，只有报送人本人或本单位登记员可以更正。"
        )
    period = report.period
    if (now or timezone.now()) > period.due_at:
        return ValidationFailed(
            f"{period.label}的排查报告已于{timezone.localtime(period.due_at):%m月%d日 %H:%M}截止，"
            "不能再单独更正分项；如需修改，请更正本期报告。",
            {"field": "report"},
        )
    return None


def screening_part_correct(
    *,
    actor: Staff,
    report: ScreeningReport,
    is_zero: bool,
    disputes: Sequence[DisputeInput] = (),
    reason: str = "",
    note: str = "",
    basis: Sequence[int] | None = None,
    now: datetime | None = None,
) -> ScreeningReport:
    """Correct one department's part alone: a new version of the period's report that
    withdraws the part's items and adds the corrected ones (or none: the department found
    nothing after all), naming the part it corrects; every other item stays. The versions
    keep what the part said before, who corrected it and why.

    `basis` is the ids of the part's items the form was filled from: when someone else has
    corrected the part since, the correction is refused rather than undo theirs.

    Raises:
        NotFound, NotPermitted, ValidationFailed: screening_part_correction_refusal says no.
        ValidationFailed: the items are missing, incomplete or contradict "found nothing",
            or an item of the part was already resolved or turned into a petition.
        VersionConflict: the part changed since the form was filled.
    """
    now = now or timezone.now()
    refuse(screening_part_correction_refusal(actor, report, now))
    new_items = _part_items(disputes, is_zero)
    part = report.part
    with transaction.atomic():
        period = ScreeningPeriod.objects.select_for_update().get(pk=report.period_id)
        standing = list(period.disputes.filter(withdrawn_in__isnull=True))
        ids = set(part_item_ids(period, part))
        items = [d for d in standing if d.pk in ids]
        if basis is not None and set(basis) != {d.pk for d in items}:
            raise VersionConflict(
                f"“{part}”分项刚被他人更正过，请刷新页面后重新填写。",
                {"field": "basis", "items": sorted(d.pk for d in items)},
            )
        _refuse_dropping(items)
        others = [d for d in standing if d not in items]
        return _version_file(
            period,
            period.current_report,
            actor=actor,
            is_zero=not new_items and not others,
            new_items=new_items,
            dropped=items,
            note=note,
            correction_reason=(reason or "").strip() or f"更正“{part}”分项",
            corrects_part=part,
            now=now,
        )


def part_item_ids(period: ScreeningPeriod, part: str) -> list[int]:
    """The ids of the period's standing items that belong to a department's part: reported
    in the part, or in a later correction of that part alone."""
    return list(
        Dispute.objects.filter(period=period, withdrawn_in__isnull=True)
        .filter(Q(reported_in__part=part) | Q(reported_in__corrects_part=part))
        .order_by("id")
        .values_list("pk", flat=True)
    )


def screening_zero_report(
    *, actor: Staff, unit: Unit, period_start: date | None = None, now: datetime | None = None
) -> ScreeningReport:
    """The one-tap zero report: for the given period, or the one the unit should file now.

    Raises:
        the same as screening_report_submit.
    """
    now = now or timezone.now()
    if period_start is None:
        period = screening_period_to_file(unit=unit, now=now)
        if period is None:
            raise ValidationFailed(f"{unit.name}不需要报送矛盾纠纷排查报告。", {"field": "unit"})
        period_start = period.starts_on
    return screening_report_submit(
        actor=actor, unit=unit, period_start=period_start, is_zero=True, now=now
    )
