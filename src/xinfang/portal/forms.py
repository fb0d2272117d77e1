"""Forms of the public site and of the staff page for public answers."""

from __future__ import annotations

import uuid

from django import forms

from xinfang.core.errors import ValidationFailed
from xinfang.core.forms import name_fields_in_length_messages
from xinfang.petitions.identity import validate_id_number, validate_phone
from xinfang.petitions.models import Category
from xinfang.portal.models import PublicAnswer, QueryCredential, Rating, RecordedChannel
from xinfang.portal.selectors import accusable_units, online_units, top_categories
from xinfang.portal.services import MAX_COMMENT_CHARS, MAX_CONTENT_CHARS, portal_categories
from xinfang.units.models import Unit

CONSENT_MESSAGE = "请阅读并同意《个人信息保护说明》后再提交。"


def _category_choices() -> list[tuple[str, object]]:
    """Categories grouped under their top-level name, for an <optgroup> select."""
    groups = dict(Category.objects.filter(depth=1).values_list("path", "name"))
    grouped: dict[str, list[tuple[str, str]]] = {}
    for category in portal_categories():
        group = groups.get(category.path[: Category.steplen], category.name)
        grouped.setdefault(group, []).append((category.code, category.name))
    return [("", "请选择问题分类")] + [
        (group, items) if len(items) > 1 or items[0][1] != group else items[0]
        for group, items in grouped.items()
    ]


def _unit_choices() -> list[tuple[str, str]]:
    return [("", "请选择受理单位")] + [
        (u.code, "\u3000" * (u.depth - 1) + u.name) for u in online_units()
    ]


def _accused_unit_choices() -> list[tuple[str, str]]:
    return [("", "请选择被反映的单位")] + [
        (u.code, "\u3000" * (u.depth - 1) + u.name) for u in accusable_units()
    ]


class SubmitForm(forms.Form):
    """An online petition. Identity number and phone are checked with the same rules and
    Chinese messages as registration."""

    name = forms.CharField(
        label="姓名",
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label="身份证号码",
        max_length=30,
        help_text="18位，最后一位可能是X。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=30,
        help_text="用于联系您、告知办理结果；也可以是固定电话（带区号）。",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label="住址",
        max_length=200,
        help_text="书面答复将寄送到这里。",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    unit = forms.ChoiceField(label="受理单位", help_text="选择您反映的问题所在地或所涉及的单位。")
    category = forms.ChoiceField(label="问题分类", help_text="选一个最接近的；拿不准可以选“其他”。")
    subject = forms.CharField(
        label="标题",
        max_length=100,
        help_text="用一句话概括，如“小区门口下水道堵塞”。",
    )
    content = forms.CharField(
        label="主要诉求和事实理由",
        max_length=MAX_CONTENT_CHARS,
        help_text=f"请写明您的请求、事实和理由，以及问题发生的地点和时间（不超过{MAX_CONTENT_CHARS}字）。",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # A report about an official or a unit (检举控告, R22 Art.30): the unit it names decides
    # who answers it, and the reporter is never shown to that unit.
    is_accusation = forms.BooleanField(
        label="这是对公职人员或单位的检举控告（反映其违法违规问题）", required=False
    )
    accused_unit = forms.ChoiceField(
        label="被反映的单位",
        required=False,
        help_text="被反映人所在的单位。本件将由该单位的上级机关办理。",
    )
    accused_person = forms.CharField(label="被反映人", required=False, max_length=50)
    accused_post = forms.CharField(label="被反映人职务", required=False, max_length=50)
    credential = forms.ChoiceField(
        label="查询方式",
        choices=[
            (QueryCredential.Kind.PASSWORD, "由系统生成8位查询密码（推荐）"),
            (QueryCredential.Kind.PHONE, "用我的完整手机号码查询"),
        ],
        initial=QueryCredential.Kind.PASSWORD,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label="我已阅读并同意《个人信息保护说明》",
        error_messages={"required": CONSENT_MESSAGE},
    )
    # A field people never see or fill; a form that fills it is a robot's.
    website = forms.CharField(
        label="请勿填写此项",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    error_css_class = "has-error"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices()
        self.fields["category"].choices = _category_choices()
        self.fields["accused_unit"].choices = _accused_unit_choices()
        if not self.is_bound:
            self.initial.setdefault("submission_key", f"portal:{uuid.uuid4().hex}")
        messages = {
            "name": "请填写姓名。",
            "id_number": "请填写身份证号码。",
            "phone": "请填写手机号码。",
            "address": "请填写住址。",
            "unit": "请选择受理单位。",
            "category": "请选择问题分类。",
            "subject": "请填写标题。",
            "content": "请填写主要诉求和事实理由。",
            "credential": "请选择查询方式。",
            "submission_key": "页面已过期，请刷新后重新填写。",
        }
        name_fields_in_length_messages(self)
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message
        self.fields["unit"].error_messages["invalid_choice"] = "请从列表中选择受理单位。"
        self.fields["category"].error_messages["invalid_choice"] = "请从列表中选择问题分类。"
        self.fields["accused_unit"].error_messages["invalid_choice"] = (
            "请从列表中选择被反映的单位。"
        )

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_id_number(self) -> str:
        try:
            return validate_id_number(self.cleaned_data["id_number"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message + "。") from exc

    def clean_phone(self) -> str:
        try:
            return validate_phone(self.cleaned_data["phone"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message + "。") from exc

    def clean_unit(self) -> Unit:
        unit = online_units().filter(code=self.cleaned_data["unit"]).first()
        if unit is None:
            raise forms.ValidationError("请从列表中选择受理单位。")
        return unit

    def clean_category(self) -> Category:
        code = self.cleaned_data["category"]
        category = next((c for c in portal_categories() if c.code == code), None)
        if category is None:
            raise forms.ValidationError("请从列表中选择问题分类。")
        return category

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if len(content) < 10:
            raise forms.ValidationError("请把诉求和事实理由写清楚（至少10个字）。")
        return content

    def clean_accused_unit(self) -> Unit | None:
        code = self.cleaned_data.get("accused_unit") or ""
        if not code:
            return None
        unit = accusable_units().filter(code=code).first()
        if unit is None:
            raise forms.ValidationError("请从列表中选择被反映的单位。")
        return unit

    def clean(self) -> dict:
        data = super().clean()
        named = data.get("accused_unit") or data.get("accused_person") or data.get("accused_post")
        if data.get("is_accusation") and not data.get("accused_unit"):
            if "accused_unit" not in self.errors:
                self.add_error("accused_unit", "检举控告须选择被反映的单位。")
        elif named and not data.get("is_accusation"):
            self.add_error(
                "is_accusation",
                "填写了被反映的单位或人员：如果是检举控告，请勾选此项；否则请清空这几项。",
            )
        return data


class LookupForm(forms.Form):
    tracking_code = forms.CharField(
        label="查询码",
        max_length=30,
        help_text="11位字母和数字，如 ABCD-EFGH-JKM；大小写均可。",
        error_messages={"required": "请填写查询码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    secret = forms.CharField(
        label="查询密码",
        max_length=30,
        help_text="提交时显示的8位查询密码；选择用手机号码查询的，或在信访部门登记的，"
        "填写登记时留下的完整手机号码。",
        error_messages={"required": "请填写查询密码或完整的手机号码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )


class RatingForm(forms.Form):
    level = forms.ChoiceField(
        label="您对答复的评价",
        choices=Rating.Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意、基本满意或不满意。"},
    )
    # RULES.md §9: the petition office is rated apart from the handling unit, if at all.
    office_level = forms.ChoiceField(
        label="您对信访部门接待、登记和转办工作的评价（选填）",
        choices=Rating.Level.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label="意见和建议（选填）", required=False, max_length=MAX_COMMENT_CHARS
    )


class StaffRatingForm(RatingForm):
    """A rating staff take down for the petitioner (工作人员代录)."""

    recorded_channel = forms.ChoiceField(
        label="信访人评价的方式",
        choices=RecordedChannel.choices,
        error_messages={"required": "请选择信访人评价的方式。"},
    )


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label="申请理由",
        max_length=2000,
        help_text="请写明您对答复意见的哪些内容有异议、为什么。",
        error_messages={"required": "请简要写明申请的理由。"},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PublicAnswerForm(forms.ModelForm):
    """Staff edit a public answer; category and unit are limited to what they may use."""

    class Meta:
        model = PublicAnswer
        fields = ["title", "question", "answer", "category", "unit"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 5}),
            "answer": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("path")
        self.fields["category"].label_from_instance = lambda c: ("— " * (c.depth - 1)) + c.name
        if units is not None:
            self.fields["unit"].queryset = units.order_by("path")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def answer_group_choices() -> list[tuple[str, str]]:
    return [("", "全部分类")] + [(c.code, c.name) for c in top_categories()]
