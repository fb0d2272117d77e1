"""Forms of the supervision pages: ownership, orders, extension requests, hearings, follow-ups.

They only parse input; the services decide what is allowed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from xinfang.petitions.forms import MultipleFileField
from xinfang.workflow.models import CaseNote, FollowUp, SupervisionOrder

DATE = forms.DateInput(attrs={"type": "date"})


class OwnershipForm(forms.Form):
    owner = forms.TypedChoiceField(label="包案领导", coerce=int)
    matter = forms.CharField(
        label="包案事项", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_on = forms.DateField(label="化解时限", widget=DATE)

    def __init__(self, *args, owners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(s.pk, s.display_name) for s in owners]


class RecusalForm(forms.Form):
    reason = forms.CharField(
        label="回避理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OrderForm(forms.Form):
    level = forms.ChoiceField(
        label="督办方式", choices=SupervisionOrder.Level.choices, initial="normal"
    )
    requirements = forms.CharField(
        label="督办要求", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(label="反馈期限", widget=DATE)


class OrderRespondForm(forms.Form):
    response = forms.CharField(
        label="办理情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OrderCloseForm(forms.Form):
    note = forms.CharField(
        label="销号意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(label="申请延期天数", min_value=1, max_value=365, initial=30)
    reason = forms.CharField(
        label="延期理由（批准后将告知信访人）",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtensionApproveForm(forms.Form):
    days = forms.IntegerField(label="批准天数（不填为申请的天数）", required=False, min_value=1)


class ExtensionRefuseForm(forms.Form):
    reason = forms.CharField(
        label="不予批准的理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HearingForm(forms.Form):
    held_on = forms.DateField(label="听证日期", widget=DATE)
    days = forms.IntegerField(label="听证所需天数", min_value=1, max_value=90)
    participants = forms.CharField(
        label="参加人员", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(
        label="听证情况", max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label="听证结论", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(label="回访方式", choices=FollowUp.Method.choices)
    finding = forms.ChoiceField(label="回访结果", choices=FollowUp.Finding.choices)
    petitioner_view = forms.CharField(
        label="信访人意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label="回访情况", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reopen = forms.BooleanField(label="问题反复的，同时重新登记为新的信访件", required=False)


class CaseNoteForm(forms.Form):
    """One entry of the running case log (办理记录)."""

    kind = forms.ChoiceField(label="类型", choices=CaseNote.Kind.choices)
    happened_on = forms.DateField(label="日期", widget=DATE)
    participants = forms.CharField(
        label="参加人员", max_length=500, help_text="谁参加、和谁谈、给谁打电话"
    )
    content = forms.CharField(
        label="办理情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(
        label="向信访人公开",
        required=False,
        help_text="在信访人查询页的办理进度中显示办理情况（不显示参加人员和附件）。",
    )
    attachments = MultipleFileField(label="附件（照片、公示材料、谈话记录等）", required=False)


# The case page's forms, each under its own prefix (the views read them back the same way).
PREFIX = {"owner": "owner", "order": "order", "extension": "ext", "hearing": "hearing"}


def case_forms(panel: Any, p: Any, today: date) -> dict[str, forms.Form]:
    """Unbound forms for what the case page offers this user (see selectors.case_panel)."""
    out: dict[str, forms.Form] = {}
    if panel.may_assign_owner:
        current = panel.ownership
        out["owner"] = OwnershipForm(
            prefix=PREFIX["owner"],
            owners=panel.owners,
            initial={
                "owner": current.owner_id if current else None,
                "matter": current.matter if current else "",
                "target_on": (current.target_on if current else None)
                or p.conclude_by
                or today + timedelta(days=30),
            },
        )
    if panel.may_issue_order:
        out["order"] = OrderForm(
            prefix=PREFIX["order"], initial={"due_on": today + timedelta(days=7)}
        )
    if panel.may_request_extension:
        out["extension"] = ExtensionRequestForm(
            prefix=PREFIX["extension"], initial={"days": panel.extension_max}
        )
    if panel.may_record_hearing:
        out["hearing"] = HearingForm(prefix=PREFIX["hearing"], initial={"held_on": today})
    return out
