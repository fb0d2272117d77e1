"""Forms of the staff pages: registration, ledger filters, and one form per workflow action."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from xinfang.core.errors import ValidationFailed
from xinfang.core.forms import QuickSelect, name_fields_in_length_messages
from xinfang.petitions.identity import validate_id_number, validate_phone
from xinfang.petitions.models import (
    Category,
    Channel,
    DeclineReason,
    Difficulty,
    Outcome,
    Petitioner,
    ReviewOutcome,
    State,
)
from xinfang.petitions.selectors.co_handling import co_handling_candidates
from xinfang.units.models import Membership, Role, Staff, Unit

MAX_REPRESENTATIVES = 5


def indented(units) -> list[tuple[int, str]]:
    """Units as (id, name) with the tree shown by indentation, in tree order."""
    units = list(units)
    top = min((u.depth for u in units), default=1)
    return [(u.pk, "\u3000" * (u.depth - top) + u.name) for u in units]


def category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Categories grouped under their top level, for a <select> with <optgroup>s."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for c in Category.objects.filter(is_active=True).order_by("path"):
        if c.depth == 1:
            groups.append((c.name, [(c.pk, f"{c.name}（其他）")]))
        elif groups:
            groups[-1][1].append((c.pk, c.name))
    return groups


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _co_handling_choices(receiving_units) -> list[Unit]:
    """The units that may co-handle a case registered at any of these units, in tree order
    (the service checks the choice against the unit that will answer)."""
    found: dict[int, Unit] = {}
    for unit in receiving_units:
        for candidate in co_handling_candidates(unit):
            found.setdefault(candidate.pk, candidate)
    return sorted(found.values(), key=lambda u: u.path)


class RegisterForm(forms.Form):
    """The registration screen: one form, in the order a registrar hears a petition."""

    receiving_unit = forms.TypedChoiceField(label="登记单位", coerce=int)
    channel = forms.ChoiceField(label="信访方式", choices=Channel.choices, initial=Channel.VISIT)
    received_at = forms.DateTimeField(
        label="收到时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    postmark_date = forms.DateField(
        label="邮戳日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    caller_number = forms.CharField(label="来电或传真号码", required=False, max_length=20)
    reception_leader = forms.TypedChoiceField(
        label="接访领导", required=False, coerce=int, empty_value=None
    )

    is_anonymous = forms.BooleanField(label="匿名信访", required=False)
    name = forms.CharField(label="信访人姓名", required=False, max_length=50)
    id_number = forms.CharField(label="身份证号码", required=False, max_length=20)
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    address = forms.CharField(label="住址", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="人员类别", choices=Petitioner.Kind.choices, initial=Petitioner.Kind.OTHER
    )
    headcount = forms.IntegerField(label="人数", min_value=1, max_value=100000, initial=1)

    subject = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(
        label="主要诉求和事实理由", widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    category = forms.TypedChoiceField(label="问题分类", coerce=int)
    difficulty = forms.ChoiceField(
        label="难易程度", choices=Difficulty.choices, initial=Difficulty.MINOR
    )
    place = forms.CharField(label="问题发生地", required=False, max_length=200)

    is_accusation = forms.BooleanField(label="检举控告（信访人信息保密）", required=False)
    accused_unit = forms.TypedChoiceField(
        label="被反映单位", required=False, coerce=int, empty_value=None
    )
    accused_person = forms.CharField(label="被反映人姓名", required=False, max_length=100)
    accused_post = forms.CharField(label="被反映人职务", required=False, max_length=100)
    co_handling_units = forms.TypedMultipleChoiceField(
        label="协办单位", required=False, coerce=int, help_text="登记后也可在信访件页增加或撤销。"
    )
    skips_level = forms.BooleanField(label="越级", required=False)
    is_urgent = forms.BooleanField(label="重大紧急", required=False)
    # Asked of the petitioner at the window; off unless they said yes (issue 20).
    sms_consent = forms.BooleanField(label="信访人同意短信告知办理进展", required=False)
    repeat_of = forms.IntegerField(required=False, widget=forms.HiddenInput)
    same_matter_as = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(label="附件", required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The category codes the suggester showed (set by the suggestion panel), recorded with
    # the registration as accepted or corrected.
    suggested_categories = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    def __init__(self, *args, user: Staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_fields_in_length_messages(self)
        units = (
            Unit.objects.filter(
                memberships__staff=user, memberships__role__in=[Role.REGISTRAR, Role.LEADER]
            )
            .distinct()
            .order_by("path")
        )
        self.fields["receiving_unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["category"].choices = [("", "请选择问题分类"), *category_choices()]
        self.fields["accused_unit"].choices = [
            ("", "（不涉及具体单位）"),
            *indented(Unit.objects.filter(is_active=True).order_by("path")),
        ]
        self.fields["co_handling_units"].choices = indented(_co_handling_choices(units))
        # Only leaders who may own a case received at these units (RULES: the leader of the
        # unit, or of a body above it), never every leader of the city (issue 20 item 10).
        paths = {
            u.path[:i] for u in units for i in range(Unit.steplen, len(u.path) + 1, Unit.steplen)
        }
        leading = Membership.objects.filter(
            role=Role.LEADER, unit__path__in=paths, staff__is_active=True
        ).select_related("staff", "unit")
        offered: dict[int, str] = {}
        for m in leading.order_by("-unit__path", "staff__full_name"):
            offered.setdefault(m.staff_id, f"{m.staff.display_name}（{m.unit.name}）")
        self.fields["reception_leader"].choices = [("", "请选择接访领导"), *offered.items()]
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
        for r in range(1, MAX_REPRESENTATIVES + 1):
            self.fields[f"rep{r}_name"] = forms.CharField(
                label=f"代表{r}姓名", required=False, max_length=50
            )
            self.fields[f"rep{r}_id_number"] = forms.CharField(
                label=f"代表{r}身份证号码", required=False, max_length=20
            )
            self.fields[f"rep{r}_phone"] = forms.CharField(
                label=f"代表{r}电话", required=False, max_length=20
            )

    def representative_rows(self):
        return [
            (r, self[f"rep{r}_name"], self[f"rep{r}_id_number"], self[f"rep{r}_phone"])
            for r in range(1, MAX_REPRESENTATIVES + 1)
        ]

    def _check(self, field: str, validate) -> str:
        value = self.cleaned_data.get(field, "").strip()
        if not value:
            return ""
        try:
            return validate(value)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_id_number(self) -> str:
        return self._check("id_number", validate_id_number)

    def clean_phone(self) -> str:
        return self._check("phone", validate_phone)

    def clean(self):
        data = super().clean()
        if not data.get("is_anonymous") and not (data.get("name") or "").strip():
            self.add_error("name", "请填写信访人姓名，或勾选“匿名信访”。")
        if data.get("is_accusation") and not data.get("accused_unit"):
            self.add_error("accused_unit", "检举控告须选择被反映的单位（被反映人所在的单位）。")
        for r in range(1, MAX_REPRESENTATIVES + 1):
            for key, validate in (("id_number", validate_id_number), ("phone", validate_phone)):
                value = (data.get(f"rep{r}_{key}") or "").strip()
                if value:
                    try:
                        validate(value)
                    except ValidationFailed as exc:
                        self.add_error(f"rep{r}_{key}", exc.message)
        return data


class LedgerFilterForm(forms.Form):
    """The ledger's filters; the saved filter is simply the page's URL."""

    received_after = forms.DateField(
        label="收到日期从", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_before = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # The long lists (every unit, every category) written without the widget templates.
    unit = forms.TypedChoiceField(
        label="责任单位（含下级）",
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    category = forms.TypedChoiceField(
        label="问题分类", required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    state = forms.MultipleChoiceField(label="状态", required=False, choices=State.choices)
    channel = forms.ChoiceField(
        label="信访方式", required=False, choices=[("", "全部方式"), *Channel.choices]
    )
    accused_unit = forms.TypedChoiceField(
        label="被反映单位（含下级）",
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    is_collective = forms.NullBooleanField(
        label="集体访",
        required=False,
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    is_accusation = forms.NullBooleanField(
        label="检举控告",
        required=False,
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    is_repeat = forms.NullBooleanField(
        label="重复访",
        required=False,
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    overdue = forms.BooleanField(label="只看超期", required=False)
    # A named case set (an indicator's cases, linked from a number); kept when refiltering.
    set = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    q = forms.CharField(label="查询码、信访人或关键词", required=False, max_length=100)
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[
            ("", "默认（有关键词按相关度）"),
            ("-received", "最新收到在前"),
            ("received", "最早收到在前"),
            ("due", "期限最近在前"),
            ("relevance", "相关度优先"),
        ],
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "全部单位"), *indented(units)]
        # Any unit may be complained about, not only the ones the user works in.
        self.fields["accused_unit"].choices = [
            ("", "不限"),
            *indented(Unit.objects.filter(is_active=True).order_by("path")),
        ]
        self.fields["category"].choices = [("", "全部分类"), *category_choices()]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select) and not isinstance(
                field.widget, forms.SelectMultiple
            ):
                field.widget.attrs["class"] = "form-select form-select-sm"


# --- one form per action ----------------------------------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(ActionForm):
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ForwardForm(ActionForm):
    to_unit = forms.TypedChoiceField(label="转送单位", required=False, coerce=int, empty_value=None)
    to_body = forms.CharField(label="或：系统外的有权处理机关", required=False, max_length=100)
    reason = forms.CharField(
        label="转送理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = [("", "请选择"), *indented(units)]


class AssignForm(ActionForm):
    to_unit = forms.TypedChoiceField(label="交办单位", coerce=int)
    handler = forms.TypedChoiceField(
        label="承办人（可选）", required=False, coerce=int, empty_value=None
    )
    due_on = forms.DateField(
        label="办结期限（不填为法定期限）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    instructions = forms.CharField(
        label="交办意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=(), handlers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = indented(units)
        self.fields["handler"].choices = [
            ("", "不指定"),
            *[(m.staff_id, f"{m.staff.display_name}（{m.unit.name}）") for m in handlers],
        ]


class DeclineForm(ActionForm):
    reason = forms.ChoiceField(label="不予受理理由", choices=DeclineReason.choices)
    channel = forms.CharField(
        label="告知的法定途径（不填用默认表述）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cited = forms.TypedChoiceField(
        label="引用的原信访件", required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(label="备注", required=False)

    def __init__(self, *args, earlier=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cited"].choices = [
            ("", "不引用"),
            *[
                (p.pk, f"{p.tracking_code_display} {p.subject}（{p.get_state_display()}）")
                for p in earlier
            ],
        ]


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(ActionForm):
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    received_on = forms.DateField(
        label="收到申请日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ExtendForm(ActionForm):
    days = forms.IntegerField(label="延期天数", min_value=1, max_value=30, initial=30)
    reason = forms.CharField(
        label="延期理由（将告知信访人）", widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyFieldsForm(forms.Form):
    request = forms.CharField(label="信访诉求", widget=forms.Textarea(attrs={"rows": 2}))
    facts = forms.CharField(label="调查核实情况", widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label="政策法律依据", widget=forms.Textarea(attrs={"rows": 2}))


class DraftForm(ReplyFieldsForm):
    outcome = forms.ChoiceField(label="答复结论", choices=Outcome.choices)


class ConcludeForm(ActionForm, DraftForm):
    delivered_on = forms.DateField(
        label="送达日期（不填为今天）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReviewConcludeForm(ActionForm, ReplyFieldsForm):
    outcome = forms.ChoiceField(label="复查（复核）结论", choices=ReviewOutcome.choices)
    delivered_on = forms.DateField(
        label="送达日期（不填为今天）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def handler_memberships(units):
    """Handlers (and leaders) of these units, for the assign form's person picker."""
    return (
        Membership.objects.filter(unit__in=units, role__in=[Role.HANDLER, Role.LEADER])
        .select_related("staff", "unit")
        .order_by("unit__path", "staff__full_name")
    )
