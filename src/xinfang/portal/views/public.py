"""Pages of the public site (/portal/): petition online, track a case, rate, ask for review,
reception days, public answers, contacts."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.crypto import mask_phone
from xinfang.core.errors import DomainError
from xinfang.core.tracking import format_tracking_code, normalise_tracking_code
from xinfang.petitions.models import Petition, State
from xinfang.portal.forms import (
    LookupForm,
    RatingForm,
    ReviewForm,
    SubmitForm,
    answer_group_choices,
)
from xinfang.portal.models import QueryCredential
from xinfang.portal.ratelimit import client_ip, rate_exceeded, rate_hit, rate_retry_minutes
from xinfang.portal.selectors import (
    case_for_credentials,
    portal_root_unit,
    portal_title,
    public_answer_published_get,
    public_answers_published,
    public_case,
    units_with_contacts,
)
from xinfang.portal.services import (
    MAX_ATTACHMENTS,
    portal_attachment_max_bytes,
    portal_petition_submit,
    portal_review_request,
    rating_submit,
)
from xinfang.prevention.selectors import reception_sessions_published
from xinfang.units.models import Unit

SESSION_CASE = "portal_case"
SESSION_SUBMITTED = "portal_submitted"


def lookup_minutes() -> int:
    """How long a successful lookup keeps the case open in the browser
    (PORTAL_LOOKUP_MINUTES, default 30)."""
    return int(getattr(settings, "PORTAL_LOOKUP_MINUTES", 30))


def request_max_bytes() -> int:
    """The largest submission accepted, attachments included (PORTAL_REQUEST_MAX_BYTES,
    default five attachments at the size limit plus 1 MB of text)."""
    default = MAX_ATTACHMENTS * portal_attachment_max_bytes() + 1024 * 1024
    return int(getattr(settings, "PORTAL_REQUEST_MAX_BYTES", default))


def _page(request: HttpRequest, template: str, context: dict | None = None, status: int = 200):
    root = portal_root_unit()
    context = {"portal_title": portal_title(root), "portal_root": root, **(context or {})}
    return render(request, template, context, status=status)


def not_found(request: HttpRequest) -> HttpResponse:
    """The public site's own 404 page (its layout, not the staff workbench's)."""
    return _page(request, "portal/404.html", status=404)


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages with a case or a credential on them are kept out of every cache."""
    response["Cache-Control"] = "no-store, private"
    return response


def _too_many(request: HttpRequest, bucket: str, message: str) -> HttpResponse:
    minutes = rate_retry_minutes(bucket)
    return _page(
        request,
        "portal/limited.html",
        {"message": message, "minutes": minutes},
        status=429,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public site's front page."""
    answers = list(public_answers_published()[:3])
    return _page(request, "portal/home.html", {"answers": answers})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """What the site collects and why."""
    return _page(request, "portal/privacy.html")


@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """Each unit's hotline, postal address and reception place and hours (R22 Art.18)."""
    return _page(request, "portal/units.html", {"units": list(units_with_contacts())})


class _SizeLimit(FileUploadHandler):
    """Stops reading an upload once the whole request passes the limit."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.portal_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _submit_form_context(
    form: SubmitForm, errors: list[str] | None = None, *, reselect: bool = False
) -> dict:
    limit = portal_attachment_max_bytes()
    return {
        "form": form,
        "errors": errors or [],
        "reselect": reselect,
        "max_attachments": MAX_ATTACHMENTS,
        "max_mb": f"{limit / (1024 * 1024):g}",
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Petition online. The size check runs before the body is read; CSRF is checked after."""
    if request.method == "POST":
        request.portal_too_large = False
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > request_max_bytes():
            return _page(
                request,
                "portal/limited.html",
                {"message": "提交的内容太大，请减少附件或压缩后再提交。", "too_large": True},
                status=413,
            )
        request.upload_handlers.insert(0, _SizeLimit(request, request_max_bytes()))
    return _submit(request)


@csrf_protect
def _submit(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, "portal/submit.html", _submit_form_context(SubmitForm()))
    ip = client_ip(request)
    if rate_exceeded("submit_attempt_ip", ip) or rate_exceeded("submit_ip", ip):
        return _too_many(request, "submit_ip", "提交次数过多。")
    rate_hit("submit_attempt_ip", ip)
    form = SubmitForm(request.POST)
    if getattr(request, "portal_too_large", False):
        return _page(
            request,
            "portal/limited.html",
            {"message": "提交的内容太大，请减少附件或压缩后再提交。", "too_large": True},
            status=413,
        )
    if form.is_robot:
        return _page(
            request,
            "portal/submit.html",
            _submit_form_context(SubmitForm(), ["提交未成功，请刷新页面后重新填写。"]),
            status=400,
        )
    uploads = [f for f in request.FILES.getlist("attachments") if f.name]
    errors: list[str] = []
    if len(uploads) > MAX_ATTACHMENTS:
        errors.append(f"最多上传{MAX_ATTACHMENTS}个附件，您选择了{len(uploads)}个。")
    if not form.is_valid() or errors:
        context = _submit_form_context(form, errors, reselect=bool(uploads))
        return _page(request, "portal/submit.html", context, status=400)
    data = form.cleaned_data
    if rate_exceeded("submit_phone", data["phone"]):
        return _too_many(request, "submit_phone", "该手机号码今天已提交多次。")
    try:
        result = portal_petition_submit(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            address=data["address"],
            subject=data["subject"],
            content=data["content"],
            category=data["category"],
            unit=data["unit"],
            credential_kind=data["credential"],
            submission_key=data["submission_key"],
            attachments=uploads,
            is_accusation=data["is_accusation"],
            accused_unit=data["accused_unit"],
            accused_person=data["accused_person"],
            accused_post=data["accused_post"],
        )
    except DomainError as exc:
        field = exc.extra.get("field", "")
        if field in form.fields:
            form.add_error(field, exc.message)
        else:
            errors.append(exc.message)
        context = _submit_form_context(form, errors, reselect=bool(uploads))
        return _page(request, "portal/submit.html", context, status=400)
    if not result.replayed:
        rate_hit("submit_ip", ip)
        rate_hit("submit_phone", data["phone"])
    secret = result.secret
    if result.credential_kind == QueryCredential.Kind.PHONE:
        # The number is the petitioner's own; the page only reminds them which one it was.
        secret = mask_phone(secret)
    request.session[SESSION_SUBMITTED] = {
        "code": format_tracking_code(result.petition.tracking_code),
        "secret": secret,
        "kind": result.credential_kind,
        "replayed": result.replayed,
        "unit": result.petition.receiving_unit.name,
        "attachments": result.petition.attachments.count(),
        "accusation": result.petition.is_accusation,
        "answering": result.petition.responsible_unit.name,
    }
    return redirect("portal:submitted")


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The tracking code and query password, shown once."""
    shown = request.session.pop(SESSION_SUBMITTED, None)
    if shown is None:
        return redirect("portal:track")
    return _no_store(
        _page(
            request,
            "portal/submitted.html",
            {"shown": shown, "phone_kind": QueryCredential.Kind.PHONE},
        )
    )


def _unlocked(request: HttpRequest) -> Petition | None:
    held = request.session.get(SESSION_CASE)
    if not held or held.get("until", 0) < time.time():
        request.session.pop(SESSION_CASE, None)
        return None
    return Petition.objects.filter(pk=held.get("id")).first()


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look a case up by tracking code and query password. A wrong pair, whether or not the
    code exists, gets the same answer; repeated failures are limited per address and code."""
    if request.method == "GET":
        return _no_store(_page(request, "portal/track.html", {"form": LookupForm()}))
    form = LookupForm(request.POST)
    ip = client_ip(request)
    message = "查询失败次数过多，为保护信访人信息，请稍后再试。"
    if rate_exceeded("lookup_fail_ip", ip):
        return _no_store(_too_many(request, "lookup_fail_ip", message))
    if not form.is_valid():
        return _no_store(_page(request, "portal/track.html", {"form": form}, status=400))
    raw_code = form.cleaned_data["tracking_code"]
    code_key = normalise_tracking_code(raw_code) or raw_code.strip().upper()
    if rate_exceeded("lookup_fail_code", code_key):
        return _no_store(_too_many(request, "lookup_fail_code", message))
    petition = case_for_credentials(raw_code, form.cleaned_data["secret"])
    if petition is None:
        rate_hit("lookup_fail_ip", ip)
        rate_hit("lookup_fail_code", code_key)
        return _no_store(
            _page(
                request,
                "portal/track.html",
                {"form": LookupForm(initial={"tracking_code": raw_code}), "failed": True},
                status=400,
            )
        )
    # A new session key on success: a planted session cannot follow the case.
    request.session.cycle_key()
    until = time.time() + 60 * lookup_minutes()
    request.session[SESSION_CASE] = {"id": petition.pk, "until": until}
    return redirect("portal:case")


@never_cache
@require_GET
def case(request: HttpRequest) -> HttpResponse:
    """The petitioner's view of the case: progress, replies, rating, review request."""
    petition = _unlocked(request)
    if petition is None:
        messages.info(request, "请输入查询码和查询密码查看办理情况。")
        return redirect("portal:track")
    context = {
        "case": public_case(petition),
        "rating_form": RatingForm(),
        "review_form": ReviewForm(),
        "today": timezone.localdate(),
    }
    return _no_store(_page(request, "portal/case.html", context))


def _case_action(request: HttpRequest) -> tuple[Petition | None, HttpResponse | None]:
    petition = _unlocked(request)
    if petition is None:
        messages.error(request, "查询已过期，请重新输入查询码和查询密码。")
        return None, redirect("portal:track")
    ip = client_ip(request)
    if rate_exceeded("action_ip", ip):
        messages.error(request, "操作过于频繁，请稍后再试。")
        return None, redirect("portal:case")
    rate_hit("action_ip", ip)
    return petition, None


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """Rate the reply, once, within the rating window."""
    petition, refusal = _case_action(request)
    if refusal is not None:
        return refusal
    form = RatingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("portal:case")
    try:
        rating_submit(
            petition=petition,
            level=form.cleaned_data["level"],
            office_level=form.cleaned_data["office_level"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢您的评价，我们已经收到。")
    return redirect("portal:case")


@require_POST
def review(request: HttpRequest) -> HttpResponse:
    """Ask for review (or re-review) within the window; the workflow enforces the deadline."""
    petition, refusal = _case_action(request)
    if refusal is not None:
        return refusal
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("portal:case")
    try:
        updated = portal_review_request(petition=petition, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if updated.state == State.RE_REVIEW_REQUESTED:
            word, body = "复核", updated.re_reviewing_unit
        else:
            word, body = "复查", updated.reviewing_unit
        messages.success(request, f"您的{word}申请已提交，由{body.name}办理。")
    return redirect("portal:case")


@require_POST
def track_end(request: HttpRequest) -> HttpResponse:
    """Close the case in this browser."""
    request.session.pop(SESSION_CASE, None)
    messages.info(request, "已退出查询。")
    return redirect("portal:track")


@require_GET
def answers(request: HttpRequest) -> HttpResponse:
    """Published answers to common matters (政务公开)."""
    group = request.GET.get("group", "")
    q = request.GET.get("q", "")
    page = Paginator(public_answers_published(group=group, q=q), 15).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "portal/answers.html",
        {"page": page, "group": group, "q": q, "groups": answer_group_choices()},
    )


@require_GET
def answer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, "portal/answer_detail.html", {"answer": public_answer_published_get(pk)})


@require_GET
def reception_days(request: HttpRequest) -> HttpResponse:
    """The published schedule of leaders' reception days (who, when, where, topics)."""

    today = timezone.localdate()
    sessions = list(reception_sessions_published(today=today))
    units_listed = sorted({(s.unit.path, s.unit.code, s.unit.name) for s in sessions})
    unit_code = request.GET.get("unit", "")
    unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
    if unit is not None:
        # The unit and the units below it.
        sessions = list(reception_sessions_published(today=today, unit=unit))
    return _page(
        request,
        "portal/reception_days.html",
        {
            "sessions": sessions,
            "unit_code": unit_code,
            "units": [(code, name) for _, code, name in units_listed],
        },
    )
