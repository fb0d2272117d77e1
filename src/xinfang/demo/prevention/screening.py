"""The demo's screening: a 两会 special period, daily then weekly reports, disputes."""

from __future__ import annotations

from datetime import date, timedelta

from xinfang.demo.prevention.base import DemoBase
from xinfang.demo.prevention.data import DISPUTES, LIANGHUI, lianghui_year, local_at
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import (
    CadenceRule,
    Dispute,
    ScreeningPeriod,
    ScreeningReport,
)
from xinfang.prevention.periods import WEEKLY
from xinfang.prevention.schedule import schedules_for
from xinfang.prevention.services import (
    dispute_convert,
    dispute_resolve,
    screening_report_submit,
    special_period_create,
)
from xinfang.prevention.services.screening import DisputeInput, screening_part_submit
from xinfang.prevention.services.screening_periods import period_row
from xinfang.units.models import Unit

Status = ScreeningPeriod.Status
# The unit that files its report in parts, and its departments.
PARTS_UNIT = "LJ-CN-SX"
PARTS = ("教务处", "德育处", "总务处")


class ScreeningDemo(DemoBase):
    # Screening -------------------------------------------------------------------------

    def screening(self) -> int:
        year = lianghui_year(self.today)
        start, end = date(year, 3, 3), date(year, 3, 15)
        special = special_period_create(
            actor=None,
            name=LIANGHUI,
            starts_on=start,
            ends_on=end,
            units=[self.district],
            note="演示：全国两会期间，全区各单位每日报送矛盾纠纷排查情况（次日10时前），"
            "实行24小时值班和领导带班。",
            now=local_at(start - timedelta(days=10), 9),
        )
        self.special = special
        units = list(Unit.objects.filter(path__startswith=self.district.path, is_active=True))
        first = start - timedelta(days=14)
        schedules = schedules_for(units, first=first, last=self.today)
        ScreeningPeriod.objects.filter(unit__in=units).delete()
        rows: list[ScreeningPeriod] = []
        for schedule in schedules:
            for period in schedule.periods_between(first, self.today):
                # Pending for now: the statuses are set below, as the reports are filed.
                row = period_row(schedule, period, self.now)
                row.status = Status.PENDING
                rows.append(row)
        ScreeningPeriod.objects.bulk_create(rows)
        rows = list(
            ScreeningPeriod.objects.filter(unit__in=units)
            .select_related("unit")
            .order_by("starts_on", "unit__path")
        )
        self.say(f"演示排查周期：{len(rows)} 个。")
        groups = [u for u in units if u.kind == Unit.Kind.GROUP]
        # Each day of 两会 a couple of groups miss the report and a couple file late.
        missing: set[tuple[int, date]] = set()
        late: set[tuple[int, date]] = set()
        day = start
        while day <= end:
            picks = self.rng.sample(groups, 5)
            n_missing = self.rng.choice((0, 1, 2, 2))
            missing.update((u.pk, day) for u in picks[:n_missing])
            late.update((u.pk, day) for u in picks[n_missing : n_missing + 2])
            day += timedelta(days=1)
        # The last period to fall due: two units still missing, one late (the board's story).
        last_ended = {}
        for row in rows:
            if row.ends_on < self.today:
                last_ended[row.unit_id] = row
        recent = [r for r in last_ended.values() if r.unit.kind == Unit.Kind.GROUP]
        self.rng.shuffle(recent)
        for r in recent[:2]:
            missing.add((r.unit_id, r.starts_on))
        for r in recent[2:3]:
            late.add((r.unit_id, r.starts_on))

        reports: list[ScreeningReport] = []
        self.found: list[tuple[ScreeningPeriod, ScreeningReport]] = []
        for row in rows:
            key = (row.unit_id, row.starts_on)
            ended = row.due_at <= self.now
            # The school files this week's report in parts (`parts` below), not whole.
            if key in missing or (
                not ended and (self.rng.random() < 0.45 or row.unit.code == PARTS_UNIT)
            ):
                row.status = Status.MISSING if ended else Status.PENDING
                continue
            is_late = key in late and ended
            if is_late:
                at = row.due_at + timedelta(hours=self.rng.randint(1, 20), minutes=7)
                if at > self.now:
                    at = row.due_at + (self.now - row.due_at) / 2
            else:
                earliest = (
                    local_at(row.ends_on, 15)
                    if row.cadence != "daily"
                    else local_at(row.ends_on, 17)
                )
                latest = min(row.due_at - timedelta(minutes=30), self.now)
                if latest <= earliest:
                    earliest = max(local_at(row.starts_on, 8), latest - timedelta(hours=2))
                span = max(60, int((latest - earliest).total_seconds()))
                at = earliest + timedelta(seconds=self.rng.randrange(span))
            if at > self.now:
                row.status = Status.PENDING
                continue
            with_items = self.rng.random() < (0.04 if row.cadence == "daily" else 0.1)
            report = ScreeningReport(
                period=row,
                unit=row.unit,
                version=1,
                is_current=True,
                is_zero=not with_items,
                is_late=is_late,
                submitted_by=self.filer(row.unit),
                submitted_at=at,
            )
            reports.append(report)
            row.first_filed_at = at
            if is_late:
                row.status = Status.LATE
            else:
                row.status = Status.FILED if with_items else Status.ZERO
            if with_items:
                self.found.append((row, report))
        ScreeningReport.objects.bulk_create(reports)
        for report in reports:
            report.period.current_report = report
        for row in rows:
            if row.status == Status.PENDING and row.due_at <= self.now:
                row.status = Status.MISSING
        ScreeningPeriod.objects.bulk_update(
            rows, ["status", "current_report", "first_filed_at"], batch_size=500
        )
        self.say(f"演示排查报告：{len(reports)} 份（含零报告）。")
        return len(reports)

    def parts(self) -> None:
        """The school files its weekly report by department (分项): three departments are
        expected, and this week 德育处 has reported finding nothing, so the board shows the
        school as 部分上报 (分项 1/3) and its desk can correct that part or file the others."""
        school = self.units[PARTS_UNIT]
        CadenceRule.objects.update_or_create(
            unit=school,
            defaults={"unit_kind": "", "cadence": WEEKLY, "parts": "\n".join(PARTS)},
        )
        period = ScreeningPeriod.objects.filter(
            unit=school, starts_on__lte=self.today, ends_on__gte=self.today
        ).first()
        if period is None or period.current_report_id is not None:
            return
        screening_part_submit(
            actor=self.staff["school_desk"],
            unit=school,
            period_start=period.starts_on,
            part=PARTS[1],
            is_zero=True,
            note="本周德育处走访各班级，未发现矛盾纠纷。",
            now=self.now,
        )
        self.say(f"演示分项报送：{school.name}（{'、'.join(PARTS)}）。")

    def disputes(self) -> None:
        made = []
        for row, report in self.found:
            n = 1 if self.rng.random() < 0.8 else 2
            fits = [d[1:] for d in DISPUTES if d[0] in ("any", self.setting(row.unit))]
            for _ in range(n):
                subject, parties, cat, place, desc, measures, risk = self.rng.choice(fits)
                made.append(
                    Dispute(
                        unit=row.unit,
                        period=row,
                        reported_in=report,
                        subject=subject,
                        parties=parties,
                        people_count=6 if "6名" in parties else (5 if "5户" in parties else 2),
                        category=self.categories[cat],
                        place=place,
                        description=desc,
                        measures=measures,
                        responsible=self.filer(row.unit).display_name,
                        risk_level=risk,
                    )
                )
        Dispute.objects.bulk_create(made)
        # Older disputes were mostly settled; the recent ones are being worked on.
        cutoff = self.today - timedelta(days=21)
        for dispute in Dispute.objects.filter(period__ends_on__lt=cutoff).select_related("unit"):
            if self.rng.random() < 0.85:
                dispute_resolve(
                    actor=None,
                    dispute=dispute,
                    resolution="经村（社区）调解委员会调解，双方达成一致，已签订调解协议并履行。",
                    now=min(self.now, local_at(dispute.period.ends_on + timedelta(days=5), 16)),
                )
        # A dispute found by a group of 东湖社区 this week becomes a petition in one step.
        group = self.units["LJ-CN-DC-DH-02"]
        row = (
            ScreeningPeriod.objects.filter(unit=group, ends_on__lt=self.today)
            .order_by("-starts_on")
            .first()
        )
        kept = [DisputeInput(keep=d.pk) for d in row.disputes.filter(withdrawn_in__isnull=True)]
        corrected = screening_report_submit(
            actor=self.staff["dc_leader"],
            unit=group,
            period_start=row.starts_on,
            is_zero=False,
            disputes=[
                *kept,
                DisputeInput(
                    subject="小区加装电梯费用分摊纠纷",
                    parties="孙建国、周玉梅、钱海",
                    category=self.categories["urban.property"],
                    place="东湖路8号2单元",
                    risk_level=Dispute.Risk.MEDIUM,
                    people_count=9,
                    description="2单元加装电梯，一楼住户不同意出资并阻止施工，高层住户"
                    "准备集体到街道反映。",
                    measures="社区组织两次协商，未达成一致。",
                    responsible="郑红梅",
                ),
            ],
            supersedes=row.current_report if row.current_report_id else None,
            correction_reason="补报新发现的纠纷" if row.current_report_id else "",
            now=min(self.now, row.due_at + timedelta(hours=2)),
        )
        elevator = corrected.disputes.get(subject="小区加装电梯费用分摊纠纷")
        dispute_convert(
            actor=self.staff["dc_registrar"],
            dispute=elevator,
            petitioners=[
                PersonInput(name="孙建国", phone="13907161234", address="东湖路8号2单元601"),
                PersonInput(name="周玉梅"),
                PersonInput(name="钱海"),
            ],
            headcount=9,
            now=self.now - timedelta(hours=1),
        )
