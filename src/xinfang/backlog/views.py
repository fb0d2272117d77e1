"""Pages of the backlog register (/backlog/) and joint meetings (/backlog/meetings/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinfang.backlog import forms as f
from xinfang.backlog import meetings as mt
from xinfang.backlog import selectors as sel
from xinfang.backlog import services as bs
from xinfang.backlog.minutes import DOCX, minutes_docx
from xinfang.backlog.models import BacklogEntry, MeetingTask
from xinfang.core.bounds import parse_pks
from xinfang.core.errors import DomainError, NotFound
from xinfang.petitions.selectors import petition_is_visible_to, petitions_visible_to
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import units_visible_to


def _get(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    nxt = request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(fallback)


def _run(request: HttpRequest, form, call, done: str, back: str) -> HttpResponse:
    """Validate the form, call the service, say what happened, and go back."""
    if not form.is_valid():
        errors = [
            f"{form.fields[k].label}：{v[0]}" if k in form.fields else v[0]
            for k, v in form.errors.items()
        ]
        messages.error(request, "；".join(errors) or "请检查填写的内容。")
        return _back(request, back)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(request, back)


def _leaders_over(unit: Unit):
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    ids = Membership.objects.filter(unit__path__in=paths, role=Role.LEADER).values("staff_id")
    return Staff.objects.filter(pk__in=ids, is_active=True).order_by("pk")


# --- board and list ----------------------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The backlog board of a unit subtree: every number links to its entries."""
    today = timezone.localdate()
    choices = sel.board_units(request.user)
    if not choices:
        raise Http404("您没有可查看的单位。")
    picked = request.GET.get("unit") or ""
    unit = next((u for u in choices if str(u.pk) == picked), choices[0])
    b = sel.backlog_board(request.user, unit, today)
    base = f"{reverse('backlog:entries')}?unit={unit.pk}"
    return render(
        request,
        "backlog/board.html",
        {"b": b, "units": choices, "unit": unit, "base": base, "today": today},
    )


@login_required
def entries(request: HttpRequest) -> HttpResponse:
    """The entries behind a board figure (the filter is the query string)."""
    today = timezone.localdate()
    filt = sel.EntryFilter.of(request.GET)
    qs = sel.entries_filtered(request.user, filt, today)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    unit = units_visible_to(request.user).filter(pk=filt.unit).first() if filt.unit else None
    labels = dict(BacklogEntry.Status.choices) | {"open": "在办（待确认、化解中、已化解）"}
    ages = {k: label for k, label, _, _ in sel.AGE_BANDS}
    shown = [
        text
        for text in (
            unit.name if unit else "",
            labels.get(filt.status, ""),
            ages.get(filt.age, ""),
            "有超期步骤" if filt.overdue else "",
            f"{filt.resolved_year}年化解" if filt.resolved_year else "",
        )
        if text
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backlog/entries.html",
        {
            "page": page,
            "today": today,
            "shown": shown,
            "querystring_prefix": query.urlencode() + "&" if query else "",
            "may_create": _may_create(request.user),
        },
    )


def _may_create(user: Staff) -> bool:
    """Whether to offer "提出列入积案": the user leads or supervises some unit (the service
    checks the unit of the matter itself)."""
    return user.is_superuser or Membership.objects.filter(staff=user, role__in=bs.MANAGERS).exists()


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    """Place a matter on the register by hand (a leader confirms it as for a proposal)."""
    form = f.EntryCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        cases, missing = f.cases_by_codes(request.user, d["codes"])
        if missing:
            form.add_error("codes", f"未找到信访件：{'、'.join(missing)}")
        else:
            try:
                entry = bs.backlog_entry_create(
                    actor=request.user, cases=cases, subject=d["subject"], summary=d["summary"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已提出列入积案，请领导确认。")
                return redirect("backlog:entry", entry.pk)
    return render(request, "backlog/entry_new.html", {"form": form})


# --- one entry ---------------------------------------------------------------------------------


@login_required
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """An entry: cases, owner, plan, help, progress, status, and the forms the user may use."""
    e = _get(lambda: sel.entry_get_for_user(request.user, pk))
    today = timezone.localdate()
    user = request.user
    may = {
        "confirm": bs.backlog_confirm_refusal(user, e) is None,
        "edit": bs.backlog_edit_refusal(user, e) is None,
        "resolve": bs.backlog_resolve_refusal(user, e) is None,
        "stop": bs.backlog_stop_refusal(user, e) is None,
        "close": bs.backlog_close_refusal(user, e) is None,
    }
    steps = [
        (s, bs.plan_step_done_refusal(user, s) is None) for s in e.steps.select_related("unit")
    ]
    confirm = f.ConfirmForm(initial={"version": e.version, "owner": user.pk})
    confirm.fields["owner"].queryset = _leaders_over(e.unit)
    forms = {
        "confirm": confirm,
        "dismiss": f.DismissForm(initial={"version": e.version}),
        "resolve": f.ResolveForm(initial={"version": e.version}),
        "stop": f.StopForm(initial={"version": e.version}),
        "close": f.CloseForm(initial={"version": e.version}),
        "step": f.StepForm(initial={"unit": e.unit_id}),
        "help": f.HelpForm(initial={"unit": e.unit_id, "provided_on": today}),
        "note": f.NoteForm(),
        "units": f.UnitsForm(initial={"units": list(e.responsible_units.all())}),
    }
    for key, form in forms.items():
        form.auto_id = f"{key}-%s"
    return render(
        request,
        "backlog/entry.html",
        {
            "e": e,
            "today": today,
            "cases": sel.entry_cases(user, e),
            "steps": steps,
            "help": e.help_measures.select_related("kind", "unit"),
            "notes": e.notes.select_related("author")[:100],
            "units": e.responsible_units.order_by("path"),
            "meetings": sel.meetings_visible_to(user).filter(entries=e),
            "may": may,
            "forms": forms,
        },
    )


ENTRY_ACTIONS: dict[str, tuple[type, Callable[..., Any], str]] = {
    "confirm": (
        f.ConfirmForm,
        lambda e, u, d: bs.backlog_entry_confirm(
            entry=e, actor=u, owner=d["owner"], target_on=d["target_on"], version=d["version"]
        ),
        "已确认列入积案。",
    ),
    "dismiss": (
        f.DismissForm,
        lambda e, u, d: bs.backlog_entry_dismiss(
            entry=e, actor=u, reason=d["reason"], version=d["version"]
        ),
        "已决定不列入积案。",
    ),
    "resolve": (
        f.ResolveForm,
        lambda e, u, d: bs.backlog_entry_resolve(
            entry=e,
            actor=u,
            agreement=d["agreement"],
            resolved_on=d["resolved_on"],
            version=d["version"],
        ),
        "已登记化解。",
    ),
    "stop": (
        f.StopForm,
        lambda e, u, d: bs.backlog_entry_stop(
            entry=e,
            actor=u,
            finding=d["finding"],
            stopped_on=d["stopped_on"],
            version=d["version"],
        ),
        "已确认息诉罢访。",
    ),
    "close": (
        f.CloseForm,
        lambda e, u, d: bs.backlog_entry_close(
            entry=e, actor=u, note=d["note"], version=d["version"]
        ),
        "积案已销号。",
    ),
    "step": (
        f.StepForm,
        lambda e, u, d: bs.plan_step_add(
            entry=e, actor=u, text=d["text"], unit=d["unit"], due_on=d["due_on"]
        ),
        "已增加化解步骤。",
    ),
    "help": (
        f.HelpForm,
        lambda e, u, d: bs.help_measure_add(
            entry=e,
            actor=u,
            kind=d["kind"],
            unit=d["unit"],
            provided_on=d["provided_on"],
            detail=d["detail"],
        ),
        "已登记帮扶措施。",
    ),
    "note": (
        f.NoteForm,
        lambda e, u, d: bs.progress_note_add(entry=e, actor=u, text=d["text"]),
        "已记录化解进展。",
    ),
    "units": (
        f.UnitsForm,
        lambda e, u, d: bs.responsible_units_set(entry=e, actor=u, units=d["units"]),
        "已调整责任单位。",
    ),
}


@login_required
@require_POST
def entry_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ENTRY_ACTIONS:
        raise Http404("没有这个操作。")
    e = _get(lambda: sel.entry_get_for_user(request.user, pk))
    form_class, call, done = ENTRY_ACTIONS[action]
    back = reverse("backlog:entry", args=[pk])
    return _run(request, form_class(request.POST), lambda d: call(e, request.user, d), done, back)


@login_required
@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    step = _get(lambda: sel.step_get_for_user(request.user, pk))
    return _run(
        request,
        f.StepDoneForm(request.POST),
        lambda d: bs.plan_step_done(step=step, actor=request.user, note=d["note"]),
        "已登记步骤完成。",
        reverse("backlog:entry", args=[step.entry_id]),
    )


# --- meetings ----------------------------------------------------------------------------------


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    """Joint meetings the user may see, newest first, with their open and late tasks."""
    today = timezone.localdate()
    qs = sel.meetings_visible_to(request.user).select_related("convening_unit")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = []
    for m in page:
        tasks = list(m.tasks.all())
        rows.append(
            (
                m,
                sum(t.status == MeetingTask.Status.OPEN for t in tasks),
                sum(t.is_overdue(today) for t in tasks),
            )
        )
    return render(
        request,
        "backlog/meetings.html",
        {"page": page, "rows": rows, "today": today, "querystring_prefix": ""},
    )


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = f.MeetingForm(request.POST or None)
    form.fields["convening_unit"].queryset = units_visible_to(request.user).order_by("path")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        cases, missing = f.cases_by_codes(request.user, d["codes"])
        if missing:
            form.add_error("codes", f"未找到信访件：{'、'.join(missing)}")
        else:
            entry_ids = request.POST.getlist("entries")
            entries_ = sel.entries_visible_to(request.user).filter(pk__in=parse_pks(entry_ids))
            try:
                m = mt.meeting_record(
                    actor=request.user,
                    held_on=d["held_on"],
                    title=d["title"],
                    convening_unit=d["convening_unit"],
                    units_present=d["units_present"],
                    decisions=d["decisions"],
                    cases=cases,
                    entries=entries_,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已记录联席会议，请逐项录入会议任务。")
                return redirect("backlog:meeting", m.pk)
    open_entries = (
        sel.entries_visible_to(request.user)
        .filter(status__in=sel.OPEN_STATUSES)
        .order_by("subject")[:200]
    )
    return render(request, "backlog/meeting_new.html", {"form": form, "entries": open_entries})


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    m = _get(lambda: sel.meeting_get_for_user(request.user, pk))
    today = timezone.localdate()
    visible = set(
        petitions_visible_to(request.user)
        .filter(Q(joint_meetings=m) | Q(meeting_tasks__meeting=m))
        .values_list("pk", flat=True)
    )
    tasks = []
    for t in m.tasks.select_related("unit", "petition", "supervision_order", "entry"):
        tasks.append(
            {
                "t": t,
                "case_visible": t.petition_id in visible,
                "may_done": mt.meeting_task_done_refusal(request.user, t) is None,
                "may_order": t.petition_id in visible
                and mt.meeting_task_order_refusal(request.user, t) is None,
            }
        )
    return render(
        request,
        "backlog/meeting.html",
        {
            "m": m,
            "today": today,
            "tasks": tasks,
            "cases": m.cases.filter(pk__in=visible).order_by("received_at"),
            "entries": sel.entries_visible_to(request.user).filter(meetings=m),
            "present": m.units_present.order_by("path"),
            "may_edit": mt.meeting_edit_refusal(request.user, m) is None,
            "task_form": f.TaskForm(),
            "order_form": f.TaskOrderForm(),
        },
    )


@login_required
@require_POST
def meeting_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    m = _get(lambda: sel.meeting_get_for_user(request.user, pk))
    back = reverse("backlog:meeting", args=[pk])
    form = f.TaskForm(request.POST)

    def call(d: dict[str, Any]) -> MeetingTask:
        petition = None
        if d["code"].strip():
            found, missing = f.cases_by_codes(request.user, d["code"])
            if missing or len(found) != 1:
                raise NotFound(f"未找到信访件：{d['code']}")
            petition = found[0]
        return mt.meeting_task_add(
            meeting=m,
            actor=request.user,
            task=mt.TaskInput(
                unit=d["unit"], text=d["text"], due_on=d["due_on"], petition=petition
            ),
        )

    return _run(request, form, call, "已增加会议任务。", back)


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    t = _get(lambda: sel.task_get_for_user(request.user, pk))
    return _run(
        request,
        f.TaskDoneForm(request.POST),
        lambda d: mt.meeting_task_done(task=t, actor=request.user, note=d["note"]),
        "已登记任务完成。",
        reverse("backlog:meeting", args=[t.meeting_id]),
    )


@login_required
@require_POST
def task_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a meeting task for a case as a supervision order, in one step."""
    t = _get(lambda: sel.task_get_for_user(request.user, pk))
    if t.petition_id and not petition_is_visible_to(request.user, t.petition_id):
        raise Http404("未找到该会议任务。")
    return _run(
        request,
        f.TaskOrderForm(request.POST),
        lambda d: mt.meeting_task_issue_order(
            task=t, actor=request.user, level=d["level"], due_on=d["due_on"]
        ),
        "已转为督办。",
        reverse("backlog:meeting", args=[t.meeting_id]),
    )


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's minutes (会议纪要) as .docx."""
    m = _get(lambda: sel.meeting_get_for_user(request.user, pk))
    response = HttpResponse(minutes_docx(request.user, m), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="minutes-{m.pk}.docx"'
    return response
