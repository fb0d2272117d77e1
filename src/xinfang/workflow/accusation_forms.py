"""Forms of accusations after registration and of verification requests (核查函)."""

from __future__ import annotations

from django import forms

from xinfang.units.models import Unit
from xinfang.workflow.services.verification import MAX_ANSWER, MAX_TEXT, REDACTION_NOTE


class AccusedUnitField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return "\u3000" * (unit.depth - 1) + unit.name


class AccusationMarkForm(forms.Form):
    accused_unit = AccusedUnitField(
        label="被反映的单位",
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        empty_label="请选择被反映人所在的单位",
        error_messages={"required": "请选择被反映的单位。", "invalid_choice": "请从列表中选择。"},
    )
    accused_person = forms.CharField(label="被反映人", required=False, max_length=100)
    accused_post = forms.CharField(label="被反映人职务", required=False, max_length=100)
    reason = forms.CharField(
        label="标记理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写标记为检举控告的理由。"},
    )


class AccusationUnmarkForm(forms.Form):
    reason = forms.CharField(
        label="取消理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写取消检举控告标记的理由。"},
    )


class VerificationRequestForm(forms.Form):
    text = forms.CharField(
        label="需要核实的事项",
        max_length=MAX_TEXT,
        help_text=REDACTION_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请写明需要核实的事项。"},
    )
    due_on = forms.DateField(
        label="回复期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期。"},
    )


class VerificationAnswerForm(forms.Form):
    answer = forms.CharField(
        label="核查情况",
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写核查情况。"},
    )
