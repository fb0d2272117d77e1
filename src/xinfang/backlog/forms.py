"""Forms of the backlog pages; each feeds one service, which checks the rules."""

from __future__ import annotations

import re

from django import forms

from xinfang.backlog.models import HelpKind
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Staff, Unit
from xinfang.workflow.models import SupervisionOrder

DATE = forms.DateInput(attrs={"type": "date"})
_CODE_SPLIT = re.compile(r"[\s,，、；;]+")


class Form(forms.Form):
    """Bootstrap classes on every widget, so the templates render fields as they are."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.HiddenInput):
                continue
            css = (
                "form-select form-select-sm"
                if isinstance(w, forms.Select)
                else "form-control form-control-sm"
            )
            w.attrs["class"] = css


def _units() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(Unit.objects.order_by("path"), label="责任单位")


def cases_by_codes(user: Staff, text: str) -> tuple[list[Petition], list[str]]:
    """The visible cases named by tracking codes (dashes and spaces ignored), and the codes
    that named none."""
    codes = [re.sub(r"[^0-9A-Za-z]", "", c).upper() for c in _CODE_SPLIT.split(text or "")]
    codes = [c for c in codes if c]
    found = {p.tracking_code: p for p in petitions_visible_to(user).filter(tracking_code__in=codes)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


class EntryCreateForm(Form):
    codes = forms.CharField(label="关联信访件查询码", help_text="一个或多个，用逗号或空格分开")
    subject = forms.CharField(label="积案事项", max_length=200)
    summary = forms.CharField(
        label="基本情况", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConfirmForm(Form):
    owner = forms.ModelChoiceField(Staff.objects.filter(is_active=True), label="包案领导")
    target_on = forms.DateField(label="化解时限", widget=DATE)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DismissForm(Form):
    reason = forms.CharField(label="不列入理由", max_length=2000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ResolveForm(Form):
    agreement = forms.CharField(label="化解协议或结果", widget=forms.Textarea(attrs={"rows": 2}))
    resolved_on = forms.DateField(label="化解日期", widget=DATE, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StopForm(Form):
    finding = forms.CharField(label="回访情况", widget=forms.Textarea(attrs={"rows": 2}))
    stopped_on = forms.DateField(label="回访确认日期", widget=DATE, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CloseForm(Form):
    note = forms.CharField(label="销号意见", max_length=2000, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StepForm(Form):
    text = forms.CharField(label="工作措施", max_length=300)
    unit = _units()
    due_on = forms.DateField(label="完成时限", widget=DATE)


class StepDoneForm(Form):
    note = forms.CharField(label="完成情况", max_length=300, required=False)


class HelpForm(Form):
    kind = forms.ModelChoiceField(HelpKind.objects.filter(active=True), label="帮扶类别")
    unit = forms.ModelChoiceField(Unit.objects.order_by("path"), label="提供单位")
    provided_on = forms.DateField(label="帮扶日期", widget=DATE)
    detail = forms.CharField(label="具体内容", max_length=300, required=False)


class NoteForm(Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 2}))


class UnitsForm(Form):
    units = forms.ModelMultipleChoiceField(
        Unit.objects.order_by("path"), label="责任单位", required=False
    )


class MeetingForm(Form):
    title = forms.CharField(label="会议名称", max_length=200)
    held_on = forms.DateField(label="会议日期", widget=DATE)
    convening_unit = forms.ModelChoiceField(Unit.objects.order_by("path"), label="召集单位")
    units_present = forms.ModelMultipleChoiceField(
        Unit.objects.order_by("path"),
        label="参会单位",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    codes = forms.CharField(label="研究的信访件（查询码）", required=False)
    decisions = forms.CharField(label="会议议定事项", widget=forms.Textarea(attrs={"rows": 4}))


class TaskForm(Form):
    unit = _units()
    text = forms.CharField(label="任务", max_length=2000)
    due_on = forms.DateField(label="完成时限", widget=DATE)
    code = forms.CharField(label="所涉信访件（查询码）", required=False)


class TaskOrderForm(Form):
    level = forms.ChoiceField(
        choices=SupervisionOrder.Level.choices, label="督办方式", initial="normal"
    )
    due_on = forms.DateField(label="反馈期限", widget=DATE, required=False)


class TaskDoneForm(Form):
    note = forms.CharField(label="完成情况", max_length=300, required=False)
