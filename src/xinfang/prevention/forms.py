"""Forms of the prevention pages: they parse and check types; the services decide."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django import forms
from django.utils import timezone

from xinfang.petitions.models import Category, Petitioner
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import (
    Cadence,
    Dispute,
    DutyLogEntry,
    DutySwap,
    Incident,
    IncidentReport,
)
from xinfang.prevention.services import DisputeInput, PetitionDraft

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def category_choices() -> list:
    """The active categories as option groups: each top-level category and its children."""
    rows = list(Category.objects.filter(is_active=True).order_by("path"))
    tops = [c for c in rows if c.depth == 1]
    groups: list = [("", "请选择")]
    for top in tops:
        children = [(c.pk, c.name) for c in rows if c.depth > 1 and c.path.startswith(top.path)]
        groups.append((top.name, children or [(top.pk, top.name)]))
    return groups


class CategoryField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "问题分类")
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def clean(self, value):
        pk = super().clean(value)
        if pk is None:
            return None
        category = Category.objects.filter(pk=pk, is_active=True).first()
        if category is None:
            raise forms.ValidationError("请选择有效的分类。")
        return category


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class DisputeItemForm(StyledForm):
    """One dispute of a screening report (prefix item-N)."""

    keep = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(label="纠纷事项", max_length=200, required=False)
    parties = forms.CharField(
        label="当事人", max_length=300, required=False, help_text="多人用顿号分隔"
    )
    category = CategoryField(label="纠纷类型", required=False)
    risk_level = forms.ChoiceField(
        label="风险等级", choices=Dispute.Risk.choices, initial=Dispute.Risk.LOW
    )
    people_count = forms.IntegerField(label="涉及人数", min_value=1, initial=1)
    place = forms.CharField(label="发生地点", max_length=200, required=False)
    description = forms.CharField(label="基本情况", widget=TEXTAREA, required=False)
    measures = forms.CharField(label="已采取的措施", widget=TEXTAREA, required=False)
    responsible = forms.CharField(label="化解责任人", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        # Required once the item is filled in at all (a blank item is skipped).
        for name in ("subject", "parties", "category"):
            self.fields[name].show_required = True

    def is_blank(self) -> bool:
        data = self.data
        keys = ("subject", "parties", "description", "keep")
        return not any((data.get(self.add_prefix(k)) or "").strip() for k in keys)

    def is_dropped(self) -> bool:
        """A kept item the correction leaves out."""
        return self.data.get(self.add_prefix("drop")) == "1"

    def to_input(self) -> DisputeInput:
        d = self.cleaned_data
        if d.get("keep"):
            return DisputeInput(keep=d["keep"])
        return DisputeInput(
            subject=d["subject"],
            parties=d["parties"],
            category=d["category"],
            place=d["place"],
            risk_level=d["risk_level"],
            description=d["description"],
            measures=d["measures"],
            responsible=d["responsible"],
            people_count=d["people_count"] or 1,
        )


def item_indexes(data) -> list[int]:
    """The N of every item-N-… field posted, in order."""
    found = set()
    for key in data:
        parts = key.split("-")
        if len(parts) >= 3 and parts[0] == "item" and parts[1].isdigit():
            found.add(int(parts[1]))
    return sorted(found)[:50]


class ReportNoteForm(StyledForm):
    note = forms.CharField(label="其他情况说明", widget=TEXTAREA, required=False)
    correction_reason = forms.CharField(label="更正原因", max_length=200, required=False)


class PartForm(StyledForm):
    """A head of department's part (分项) of the unit's report: which department, a note."""

    part = forms.CharField(
        label="分项（部门）",
        max_length=50,
        help_text="如：教务处、安保处、后勤处。每个部门每期报送一次。",
    )
    note = forms.CharField(label="其他情况说明", widget=TEXTAREA, required=False)


class PetitionDraftForm(StyledForm):
    """What a prevention page asks to register a petition on the spot."""

    receiving_unit = forms.TypedChoiceField(label="登记单位", coerce=int, required=False)
    subject = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="主要诉求和事实理由", widget=forms.Textarea(attrs={"rows": 5}))
    category = CategoryField()
    name = forms.CharField(label="信访人姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    more_names = forms.CharField(
        label="其他信访人", required=False, help_text="多人时填写，用顿号分隔"
    )
    headcount = forms.IntegerField(label="人数", min_value=1, initial=1)
    place = forms.CharField(label="问题发生地", max_length=200, required=False)
    is_anonymous = forms.BooleanField(label="匿名", required=False)
    is_urgent = forms.BooleanField(label="重大紧急", required=False)
    # Drawn once per page: a second submit of the same page finds the case the first made.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if units:
            self.fields["receiving_unit"].choices = [(u.pk, u.name) for u in units]
        else:
            del self.fields["receiving_unit"]
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()

    def idempotency_key(self) -> str | None:
        """The key that makes a repeated submit of this page register nothing new."""
        key = self.cleaned_data.get("submission_key")
        return f"prevention:{key.hex}" if key else None

    def to_draft(self) -> PetitionDraft:
        d = self.cleaned_data
        people = []
        if d["name"].strip():
            people.append(
                PersonInput(
                    name=d["name"],
                    phone=d["phone"].strip(),
                    id_number=d["id_number"].strip(),
                    address=d["address"],
                    kind=Petitioner.Kind.OTHER,
                )
            )
        for name in d["more_names"].replace("，", "、").replace(",", "、").split("、"):
            if name.strip():
                people.append(PersonInput(name=name.strip()))
        return PetitionDraft(
            subject=d["subject"],
            content=d["content"],
            category=d["category"],
            petitioners=[] if d["is_anonymous"] else people,
            headcount=max(d["headcount"] or 1, len(people) if not d["is_anonymous"] else 1),
            place=d["place"],
            is_anonymous=d["is_anonymous"],
            is_urgent=d["is_urgent"],
        )


def draft_initial(draft: PetitionDraft) -> dict:
    """The form's initial values for a prepared draft."""
    first = draft.petitioners[0] if draft.petitioners else None
    return {
        "subject": draft.subject,
        "content": draft.content,
        "category": draft.category.pk if draft.category else None,
        "name": first.name if first else "",
        "phone": first.phone if first else "",
        "more_names": "、".join(p.name for p in draft.petitioners[1:]),
        "headcount": draft.headcount or 1,
        "place": draft.place,
        "is_urgent": draft.is_urgent,
    }


class SpecialPeriodForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    cadence = forms.ChoiceField(label="排查周期", choices=Cadence.choices, initial=Cadence.DAILY)
    units = forms.TypedMultipleChoiceField(label="适用单位（含下级）", coerce=int)
    round_the_clock_duty = forms.BooleanField(
        label="24小时值班、领导带班", required=False, initial=True
    )
    note = forms.CharField(label="工作要求", widget=TEXTAREA, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(u.pk, u.name) for u in units]
        self.fields["units"].widget.attrs["size"] = min(
            8, max(2, len(self.fields["units"].choices))
        )


class StaffChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name}{'（' + obj.phone + '）' if obj.phone else ''}"


class ShiftForm(StyledForm):
    on_date = forms.DateField(label="值班日期", widget=DATE)
    start = forms.TimeField(label="交班时间", widget=TIME, initial=time(8, 30))
    hours = forms.IntegerField(label="班次时长（小时）", min_value=1, max_value=48, initial=24)
    officer = StaffChoiceField(label="值班员", queryset=None)
    officer_phone = forms.CharField(label="值班电话", max_length=30, required=False)
    leader = StaffChoiceField(label="带班领导", queryset=None)
    leader_phone = forms.CharField(label="带班领导电话", max_length=30, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, officers=None, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["leader"].queryset = leaders

    def window(self) -> tuple[datetime, datetime]:
        from datetime import timedelta

        d = self.cleaned_data
        starts = timezone.make_aware(datetime.combine(d["on_date"], d["start"]))
        return starts, starts + timedelta(hours=d["hours"])


class RosterFillForm(StyledForm):
    first = forms.DateField(label="从", widget=DATE)
    last = forms.DateField(label="至", widget=DATE)
    officers = forms.ModelMultipleChoiceField(label="值班员（轮流）", queryset=None)
    leaders = forms.ModelMultipleChoiceField(label="带班领导（轮流）", queryset=None)

    def __init__(self, *args, officers=None, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = officers
        self.fields["leaders"].queryset = leaders
        self.fields["officers"].label_from_instance = lambda s: s.display_name
        self.fields["leaders"].label_from_instance = lambda s: s.display_name


class SwapForm(StyledForm):
    position = forms.ChoiceField(label="岗位", choices=DutySwap.Position.choices)
    to_staff = StaffChoiceField(label="替班人", queryset=None)
    phone = forms.CharField(label="替班人电话", max_length=30, required=False)
    reason = forms.CharField(label="调班原因", max_length=200)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_staff"].queryset = staff


class LogForm(StyledForm):
    kind = forms.ChoiceField(label="类别", choices=DutyLogEntry.Kind.choices)
    at = forms.DateTimeField(label="时间", widget=DATETIME, required=False)
    caller = forms.CharField(label="来电/来访人", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    summary = forms.CharField(label="主要内容", widget=TEXTAREA)
    action = forms.CharField(label="处理情况", widget=TEXTAREA, required=False)


class ReceptionForm(StyledForm):
    unit = forms.TypedChoiceField(label="单位", coerce=int)
    leader = StaffChoiceField(label="接访领导", queryset=None)
    date = forms.DateField(label="接访日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME, initial=time(9))
    end_time = forms.TimeField(label="结束时间", widget=TIME, initial=time(12))
    place = forms.CharField(label="接访地点", max_length=200)
    topics = forms.CharField(label="接访事项", max_length=300, required=False)
    publish = forms.BooleanField(label="立即在公众网站公开", required=False, initial=True)

    def __init__(self, *args, units=(), leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["leader"].queryset = leaders


class SessionRecordForm(StyledForm):
    attendance = forms.IntegerField(label="接待人次", min_value=0)
    outcome = forms.CharField(label="接访情况", widget=TEXTAREA)


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=200)


class OutreachForm(StyledForm):
    unit = forms.TypedChoiceField(label="单位", coerce=int)
    leader = StaffChoiceField(label="带队领导", queryset=None)
    planned_on = forms.DateField(label="计划日期", widget=DATE)
    place = forms.CharField(label="下访地点", max_length=200)
    visitees = forms.CharField(label="走访对象", max_length=200)
    purpose = forms.CharField(label="下访事由", max_length=300, required=False)
    officials = forms.CharField(label="参加人员", max_length=200, required=False)

    def __init__(self, *args, units=(), leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["leader"].queryset = leaders


class OutreachRecordForm(StyledForm):
    visited_on = forms.DateField(label="下访日期", widget=DATE)
    matters_raised = forms.CharField(label="群众反映的问题", widget=TEXTAREA)
    outcome = forms.CharField(label="处理情况", widget=TEXTAREA, required=False)


class PlanForm(StyledForm):
    title = forms.CharField(label="预案标题", max_length=200)
    effective_on = forms.DateField(label="施行日期", widget=DATE)
    principles = forms.CharField(label="工作原则", widget=forms.Textarea(attrs={"rows": 4}))
    categories = forms.CharField(label="事件分类分级", widget=forms.Textarea(attrs={"rows": 4}))
    responsibilities = forms.CharField(
        label="组织机构和职责", widget=forms.Textarea(attrs={"rows": 5})
    )
    procedures = forms.CharField(
        label="处置流程", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    contacts = forms.CharField(
        label="联络方式",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一条：职务 姓名 电话",
    )
    change_note = forms.CharField(label="修订说明", max_length=200, required=False)


class IncidentForm(StyledForm):
    unit = forms.TypedChoiceField(label="单位", coerce=int)
    title = forms.CharField(label="事件名称", max_length=200)
    kind = forms.ChoiceField(label="类别", choices=Incident.Kind.choices)
    occurred_at = forms.DateTimeField(label="发生时间", widget=DATETIME)
    place = forms.CharField(label="地点", max_length=200)
    headcount = forms.IntegerField(label="涉及人数", min_value=1, initial=1)
    description = forms.CharField(label="基本情况", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class EntryForm(StyledForm):
    at = forms.DateTimeField(label="时间", widget=DATETIME, required=False)
    text = forms.CharField(label="处置情况", widget=TEXTAREA)
    responders = forms.CharField(label="处置人员", max_length=200, required=False)


class UpReportForm(StyledForm):
    to_unit = forms.TypedChoiceField(label="报告单位", coerce=int)
    to_whom = forms.CharField(label="接报人", max_length=100, required=False)
    method = forms.ChoiceField(label="方式", choices=IncidentReport.Method.choices)
    reported_at = forms.DateTimeField(label="报告时间", widget=DATETIME, required=False)
    content = forms.CharField(label="报告内容", widget=TEXTAREA)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = [(u.pk, u.name) for u in units]


class LinkForm(StyledForm):
    tracking_code = forms.CharField(label="信访件查询码", max_length=20)


class SummaryForm(StyledForm):
    summary = forms.CharField(label="处置结果", widget=TEXTAREA)


class ResolveForm(StyledForm):
    resolution = forms.CharField(label="化解情况", widget=TEXTAREA)
