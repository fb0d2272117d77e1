"""The settings screens for admins (units, categories, time limits, holidays, and the log of
every configuration change), beyond the Django admin, so a supervisor's admin needs no
developer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.analytics.assessment import LOWER_IS_BETTER, scheme_save
from xinfang.analytics.indicators import INDICATORS
from xinfang.analytics.models import AssessmentScheme
from xinfang.core.changes import Kind, config_changes
from xinfang.core.errors import DomainError, ValidationFailed
from xinfang.petitions.dictionary import (
    dictionary_word_remove,
    dictionary_words_add,
    search_reindex_state,
)
from xinfang.petitions.models import Category, DictionaryWord, Line
from xinfang.petitions.services import category_create, category_update
from xinfang.units.models import Unit
from xinfang.units.selectors import units_visible_to
from xinfang.units.services import CONTACT_FIELDS, is_admin, unit_create, unit_update
from xinfang.workflow import services as wf
from xinfang.workflow.deadlines import DEFAULT_RULES
from xinfang.workflow.models import CalendarYear, DeadlineRule


def admin_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_admin(request.user):
            raise PermissionDenied("只有管理员可以进入系统设置。")
        return view(request, *args, **kwargs)

    return wrapped


# Changes shown at the foot of each settings page; the rest on the change log page.
RECENT_CHANGES = 10
CHANGE_LOG_ROWS = 200


# Where each kind of configuration is changed, linked from its rows in the change log.
KIND_PAGES = {
    Kind.DEADLINE_RULE: "settings:rules",
    Kind.CALENDAR: "settings:calendar",
    Kind.CATEGORY: "settings:categories",
    Kind.UNIT: "settings:units",
    Kind.SCREENING: "prevention:special_periods",
    Kind.OPEN311_KEY: "admin:portal_open311key_changelist",
    Kind.ASSESSMENT: "settings:assessment",
    Kind.WARNING_RULE: "analytics:warning_rules",
    Kind.USER_DICTIONARY: "settings:dictionary",
}


def _with_pages(changes) -> list:
    """The changes, each with `page`: the URL of the screen where its kind is changed."""
    rows = list(changes)
    for change in rows:
        change.page = reverse(KIND_PAGES[change.kind]) if change.kind in KIND_PAGES else ""
    return rows


def _changes(*kinds: str) -> dict:
    """The context of a settings page's 变更记录 section: its kinds' latest changes."""
    return {
        "changes": _with_pages(config_changes(*kinds, limit=RECENT_CHANGES)),
        "changes_kind": kinds[0],
    }


def _done(request: HttpRequest, call: Callable, success: str) -> None:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "settings/index.html",
        {
            "units": units_visible_to(request.user).count(),
            "categories": Category.objects.count(),
            "years": list(CalendarYear.objects.values_list("year", flat=True)),
            **_changes(*Kind.values),
            "changes_kind": "",
        },
    )


@admin_required
def changes_page(request: HttpRequest) -> HttpResponse:
    """Every configuration change, newest first, of one kind when ?kind= names it."""
    kind = request.GET.get("kind", "")
    kinds = (kind,) if kind in Kind.values else ()
    return render(
        request,
        "settings/changes.html",
        {
            "changes": _with_pages(config_changes(*kinds, limit=CHANGE_LOG_ROWS)),
            "kinds": Kind.choices,
            "kind": kinds[0] if kinds else "",
            "limit": CHANGE_LOG_ROWS,
        },
    )


# --- units ------------------------------------------------------------------------------------


@admin_required
def units_page(request: HttpRequest) -> HttpResponse:
    units = units_visible_to(request.user).order_by("path")
    top = min((u.depth for u in units), default=1)
    return render(
        request,
        "settings/units.html",
        {
            "rows": [(u, u.depth - top) for u in units],
            "kinds": Unit.Kind.choices,
            "contact_fields": CONTACT_FIELDS,
            **_changes(Kind.UNIT),
        },
    )


@admin_required
@require_POST
def unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_object_or_404(units_visible_to(request.user), pk=pk)
    p = request.POST
    _done(
        request,
        lambda: unit_create(
            actor=request.user,
            parent=parent,
            name=p.get("name", ""),
            code=p.get("code", ""),
            kind=p.get("kind", ""),
        ),
        f"已在{parent.name}下新增单位“{p.get('name', '')}”。",
    )
    return redirect("settings:units")


@admin_required
@require_POST
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(units_visible_to(request.user), pk=pk)
    p = request.POST
    _done(
        request,
        lambda: unit_update(
            actor=request.user,
            unit=unit,
            name=p.get("name", ""),
            kind=p.get("kind", ""),
            is_active=p.get("is_active") == "on",
            accepts_online=p.get("accepts_online") == "on",
            contacts={k: p.get(k, "") for k in CONTACT_FIELDS},
        ),
        f"已保存“{p.get('name', '')}”。",
    )
    return redirect("settings:units")


# --- categories -------------------------------------------------------------------------------


@admin_required
def categories_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "settings/categories.html",
        {
            "categories": Category.objects.order_by("path"),
            "lines": Line.choices,
            **_changes(Kind.CATEGORY),
        },
    )


@admin_required
@require_POST
def category_add(request: HttpRequest) -> HttpResponse:
    p = request.POST
    parent = Category.objects.filter(pk=p.get("parent") or 0).first()
    _done(
        request,
        lambda: category_create(
            actor=request.user,
            parent=parent,
            code=p.get("code", ""),
            name=p.get("name", ""),
            line=p.get("line", ""),
            is_litigation=p.get("is_litigation") == "on",
        ),
        f"已新增分类“{p.get('name', '')}”。",
    )
    return redirect("settings:categories")


@admin_required
@require_POST
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    p = request.POST
    _done(
        request,
        lambda: category_update(
            actor=request.user,
            category=category,
            name=p.get("name", ""),
            line=p.get("line", ""),
            is_litigation=p.get("is_litigation") == "on",
            is_active=p.get("is_active") == "on",
        ),
        f"已保存分类“{p.get('name', '')}”。",
    )
    return redirect("settings:categories")


# --- time limits and holidays -----------------------------------------------------------------


@admin_required
def rules_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        key = request.POST.get("key", "")
        try:
            days = int(request.POST.get("days", ""))
        except ValueError:
            days = -1
        _done(
            request,
            lambda: wf.deadline_rule_update(
                actor=request.user, key=key, days=days, unit=request.POST.get("unit", "")
            ),
            "期限规则已保存；新开始计时的期限按新规则计算。",
        )
        return redirect("settings:rules")
    rules = DeadlineRule.objects.all()
    return render(
        request,
        "settings/rules.html",
        {
            "rules": [(r, DEFAULT_RULES.get(r.key)) for r in rules],
            "units": DeadlineRule.DayUnit.choices,
            **_changes(Kind.DEADLINE_RULE),
        },
    )


class CalendarForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    source = forms.CharField(label="依据（通知文号）", required=False, max_length=200)
    holidays = forms.CharField(label="放假日期（每行一个：日期 名称）", widget=forms.Textarea)
    workdays = forms.CharField(
        label="调休上班日期（每行一个：日期 名称）", required=False, widget=forms.Textarea
    )

    @staticmethod
    def parse(text: str, field: str) -> list[tuple[date, str]]:
        days = []
        for number, line in enumerate(text.splitlines(), 1):
            parts = line.replace("\u3000", " ").split(maxsplit=1)
            if not parts:
                continue
            try:
                day = date.fromisoformat(parts[0].replace("/", "-"))
            except ValueError as exc:
                raise forms.ValidationError(
                    f"第{number}行的日期“{parts[0]}”格式不正确，应为 2027-01-01。"
                ) from exc
            days.append((day, parts[1] if len(parts) > 1 else ""))
        return days

    def clean_holidays(self) -> list[tuple[date, str]]:
        return self.parse(self.cleaned_data["holidays"], "holidays")

    def clean_workdays(self) -> list[tuple[date, str]]:
        return self.parse(self.cleaned_data.get("workdays", ""), "workdays")


@admin_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            wf.calendar_year_save(
                actor=request.user,
                year=d["year"],
                holidays=d["holidays"],
                workdays=d["workdays"],
                source=d["source"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{d['year']}年节假日安排已保存，暂定期限正在重新计算。")
            return redirect("settings:calendar")
    years = CalendarYear.objects.prefetch_related("days")
    return render(
        request,
        "settings/calendar.html",
        {"form": form, "years": years, **_changes(Kind.CALENDAR)},
        status=400 if form.errors else 200,
    )


# --- assessment schemes -----------------------------------------------------------------------


def _percent_or_count(raw: str, is_rate: bool) -> str:
    """A target typed on the screen (a percentage for a rate) as the scheme stores it."""
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        return raw
    return str(value / 100) if is_rate else str(value)


def _scheme_form(post) -> dict:
    items = []
    for indicator in INDICATORS:
        weight = post.get(f"w_{indicator.key}", "").strip()
        if not weight:
            continue
        target = _percent_or_count(post.get(f"t_{indicator.key}", ""), indicator.is_rate)
        threshold = post.get(f"l_{indicator.key}", "").strip()
        items.append(
            {
                "key": indicator.key,
                "weight": weight,
                "target": target,
                "threshold": _percent_or_count(threshold, indicator.is_rate)
                if threshold
                else target,
            }
        )
    try:
        valid_from = date.fromisoformat(post.get("valid_from", ""))
    except ValueError as exc:
        raise ValidationFailed("请填写起用日期。") from exc
    return {
        "code": post.get("code", ""),
        "name": post.get("name", ""),
        "unit_kinds": post.getlist("unit_kinds"),
        "valid_from": valid_from,
        "items": items,
        "vetoes": post.getlist("vetoes"),
        "accountability_points": post.get("accountability_points", "").strip() or 0,
    }


def _scheme_rows(scheme: AssessmentScheme | None) -> list[dict]:
    """Every indicator with the scheme's weight, target and red line (as typed: percent)."""
    items = {i["key"]: i for i in (scheme.items if scheme else [])}
    rows = []
    for indicator in INDICATORS:
        item = items.get(indicator.key, {})

        def shown(name: str, rate: bool = indicator.is_rate, item: dict = item) -> str:
            if name not in item:
                return ""
            value = Decimal(item[name]) * (100 if rate else 1)
            return f"{value.normalize():f}"

        rows.append(
            {
                "indicator": indicator,
                "weight": shown("weight", False),
                "target": shown("target"),
                "threshold": shown("threshold"),
                "lower": indicator.key in LOWER_IS_BETTER,
                "veto": scheme is not None and indicator.key in scheme.vetoes,
            }
        )
    return rows


@admin_required
def assessment_page(request: HttpRequest) -> HttpResponse:
    """The assessment schemes: every version, and a form that saves a new version."""
    if request.method == "POST":
        try:
            scheme = scheme_save(request.user, **_scheme_form(request.POST))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(f"{reverse('settings:assessment')}?code={request.POST.get('code', '')}")
        messages.success(request, f"已保存{scheme}；此前的期间仍按原版本考核。")
        return redirect(f"{reverse('settings:assessment')}?code={scheme.code}")
    code = request.GET.get("code", "")
    current = AssessmentScheme.objects.filter(code=code).order_by("-version").first()
    return render(
        request,
        "settings/assessment.html",
        {
            "schemes": AssessmentScheme.objects.all(),
            "current": current,
            "rows": _scheme_rows(current),
            "kinds": Unit.Kind.choices,
            **_changes(Kind.ASSESSMENT),
        },
    )


# --- user dictionary ----------------------------------------------------------------------


class DictionaryForm(forms.Form):
    words = forms.CharField(
        label="新增词语（每行一个：词语 [词频] [词性]）",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )


def _dictionary_context(form: DictionaryForm) -> dict:
    return {
        "form": form,
        "words": DictionaryWord.objects.select_related("added_by").order_by("-pk"),
        "reindex": search_reindex_state(),
        **_changes(Kind.USER_DICTIONARY),
    }


@admin_required
def dictionary_page(request: HttpRequest) -> HttpResponse:
    """分词词典: the words an admin adds so that search and similar cases cut them whole."""
    form = DictionaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = dictionary_words_add(actor=request.user, text=form.cleaned_data["words"])
        except DomainError as exc:
            form.add_error("words", exc.message)
        else:
            if added:
                messages.success(
                    request,
                    f"已添加或更新 {len(added)} 个词语：新登记的信访件立即按新词切分，"
                    "已有信访件的检索索引正在后台重建。",
                )
            else:
                messages.info(request, "这些词语已在词典中，未作修改。")
            return redirect("settings:dictionary")
    status = 400 if form.errors else 200
    return render(request, "settings/dictionary.html", _dictionary_context(form), status=status)


@admin_required
@require_POST
def dictionary_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dictionary_word_remove(actor=request.user, word_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除该词语，已有信访件的检索索引正在后台重建。")
    return redirect("settings:dictionary")
