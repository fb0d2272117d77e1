"""Writes from the public site: an online petition with its attachments and query credential,
the petitioner's rating and review request, and the answers staff publish."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.errors import (
    DeadlineExpired,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.petitions.identity import validate_phone
from xinfang.petitions.models import Attachment, Category, Channel, Line, Petition, State
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.petitions.services import PersonInput
from xinfang.petitions.uploads import IMAGE_TYPES, sniff_content_type
from xinfang.portal.models import PublicAnswer, QueryCredential, Rating, RecordedChannel
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import roles_over, unit_is_visible_to
from xinfang.workflow.calendar import WorkCalendar
from xinfang.workflow.deadlines import calendar_load
from xinfang.workflow.receipts import receipt_printable_by
from xinfang.workflow.services import (
    PORTAL,
    attachment_add,
    petition_register,
    petition_request_re_review,
    petition_request_review,
    query_password_issued_record,
)

MAX_ATTACHMENTS = 5
PORTAL_CONTENT_TYPES = IMAGE_TYPES | {"application/pdf"}
QUERY_PASSWORD_DIGITS = 8
MAX_CONTENT_CHARS = 5000
MAX_COMMENT_CHARS = 500
MAX_REASON_CHARS = 2000
# Roles that may publish answers for the public (政务公开).
PUBLISHING_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
# A case has an answer to publish once its reply was issued.
ANSWERED_STATES = frozenset(
    {
        State.CONCLUDED,
        State.REVIEW_REQUESTED,
        State.REVIEW_CONCLUDED,
        State.RE_REVIEW_REQUESTED,
        State.RE_REVIEW_CONCLUDED,
        State.TERMINATED,
    }
)


def portal_attachment_max_bytes() -> int:
    """The largest file the public site accepts: PORTAL_ATTACHMENT_MAX_BYTES (default 10 MB),
    never above the system-wide ATTACHMENT_MAX_BYTES."""
    portal = int(getattr(settings, "PORTAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    return min(portal, int(settings.ATTACHMENT_MAX_BYTES))


def rating_window_days() -> int:
    """Days after the reply's delivery in which the petitioner may rate it
    (PORTAL_RATING_WINDOW_DAYS, default 30; local practice)."""
    return int(getattr(settings, "PORTAL_RATING_WINDOW_DAYS", 30))


def rating_closes_on(petition: Petition, calendar: WorkCalendar | None = None) -> date | None:
    """The last day the case's reply may be rated, or None before a reply was delivered:
    the window's days counted from the delivery like any calendar-day limit (RULES.md §5,
    a last day off work moves to the next working day).

    Computed from `reply_delivered_on` rather than stored: the delivery date is set by the
    workflow, and a changed window setting then applies to every case alike.
    """
    if petition.reply_delivered_on is None:
        return None
    calendar = calendar or calendar_load()
    return calendar.add(petition.reply_delivered_on, rating_window_days(), "calendar").date


def normalise_secret(value: str) -> str:
    """A typed query password as compared: full-width digits folded, spaces and dashes gone."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑–—")


def new_query_password() -> str:
    """A random 8-digit query password: easy to type on a phone, 10^8 possibilities."""
    return "".join(secrets.choice("0123456789") for _ in range(QUERY_PASSWORD_DIGITS))


def query_phone(phone: str) -> str:
    """A phone as the lookup compares it: normalised like registration, "" if not a phone."""
    try:
        return validate_phone(phone) if (phone or "").strip() else ""
    except ValidationFailed:
        return ""


def query_credential_issue(
    *,
    petition: Petition,
    kind: str = QueryCredential.Kind.PASSWORD,
    phone: str = "",
    submission_key: str | None = None,
) -> tuple[QueryCredential, str]:
    """Give the case a query credential; return it and the secret to show once.

    A password is drawn at random and only its hash kept. With "phone" the secret is the
    full phone number, which the lookup checks against the petitioner's blind index; nothing
    more about it is stored here.

    Raises:
        ValidationFailed: unknown kind, "phone" without a valid phone, or a credential exists.
    """
    if kind == QueryCredential.Kind.PASSWORD:
        secret = new_query_password()
        secret_hash = make_password(secret)
    elif kind == QueryCredential.Kind.PHONE:
        secret = query_phone(phone)
        if not secret:
            raise ValidationFailed(
                "选择用手机号码查询时，须填写有效的手机号码。", {"field": "phone"}
            )
        secret_hash = make_password(None)
    else:
        raise ValidationFailed("请选择查询方式。", {"field": "credential"})
    if QueryCredential.objects.filter(petition=petition).exists():
        raise ValidationFailed("该信访件已有查询凭据。", {"field": "credential"})
    credential = QueryCredential.objects.create(
        petition=petition,
        kind=kind,
        secret_hash=secret_hash,
        submission_key=submission_key or None,
    )
    return credential, secret


def receipt_password_issue(
    *, actor: Staff, petition_id: int, now: datetime | None = None
) -> tuple[QueryCredential, str]:
    """Give the person at the window a query password for the case, printed once on the
    registration receipt (生成查询密码); return the credential and the password to show.

    Only the hash is kept. A case's earlier credential (an earlier password, or the full
    phone number chosen online) is replaced: from now on the case opens with this password
    only. The history records the issue, never the password. Who may: those who may print
    the receipt (workflow.receipts.receipt_printable_by).

    Raises:
        NotFound: the actor may not print the case's receipt (or see the case).
    """
    now = now or timezone.now()
    if not receipt_printable_by(actor, petition_id):
        raise NotFound("未找到该信访件。")
    petition = Petition.objects.get(pk=petition_id)
    secret = new_query_password()
    issued: list[QueryCredential] = []

    def store() -> None:
        credential = QueryCredential.objects.select_for_update().filter(petition=petition).first()
        if credential is None:
            credential = QueryCredential(petition=petition)
        credential.kind = QueryCredential.Kind.PASSWORD
        credential.secret_hash = make_password(secret)
        credential.save()
        # created_at is when this password was made: the receipt says so after a reload.
        QueryCredential.objects.filter(pk=credential.pk).update(created_at=now)
        credential.created_at = now
        issued.append(credential)

    reissue = QueryCredential.objects.filter(
        petition=petition, kind=QueryCredential.Kind.PASSWORD
    ).exists()
    query_password_issued_record(
        petition=petition, actor=actor, now=now, reissue=reissue, then=store
    )
    return issued[0], secret


def portal_upload_check(upload: UploadedFile) -> str:
    """The content type of a file offered on the public site, judged by its bytes.

    Raises:
        ValidationFailed: empty, too large, or not an image or a PDF.
    """
    name = upload.name or "附件"
    limit = portal_attachment_max_bytes()
    if not upload.size:
        raise ValidationFailed(f"附件“{name}”是空文件。", {"field": "attachments"})
    if upload.size > limit:
        raise ValidationFailed(
            f"附件“{name}”超过 {limit / (1024 * 1024):g}MB，请压缩后再上传。",
            {"field": "attachments"},
        )
    head = upload.read(4096)
    upload.seek(0)
    content_type = sniff_content_type(head, name)
    if content_type not in PORTAL_CONTENT_TYPES:
        raise ValidationFailed(
            f"附件“{name}”不是图片（JPG、PNG、GIF、WEBP）或 PDF 文件；"
            "系统按文件的实际内容检查，改文件名不能通过。",
            {"field": "attachments"},
        )
    return content_type


def portal_categories() -> list[Category]:
    """Categories a petitioner may choose online: active leaves outside the discipline line.

    Reports of misconduct by officials go to discipline inspection (R22 Art.30), whose
    confidentiality the online form cannot give; the form says where to report them.
    """
    categories = list(Category.objects.filter(is_active=True).order_by("path"))
    parents = {c.path[: -Category.steplen] for c in categories if c.depth > 1}
    return [c for c in categories if c.path not in parents and c.line != Line.DISCIPLINE]


@dataclass
class PortalSubmission:
    petition: Petition
    # The query secret to show once; "" when the submission was a replay of an earlier one.
    secret: str
    credential_kind: str
    replayed: bool


def portal_petition_submit(
    *,
    name: str,
    id_number: str,
    phone: str,
    address: str,
    subject: str,
    content: str,
    category: Category,
    unit: Unit,
    credential_kind: str,
    submission_key: str,
    attachments: Sequence[UploadedFile] = (),
    place: str = "",
    is_accusation: bool = False,
    accused_unit: Unit | None = None,
    accused_person: str = "",
    accused_post: str = "",
    now: datetime | None = None,
) -> PortalSubmission:
    """Register an online petition with its attachments and query credential: all or nothing.

    An accusation (检举控告) names the accused unit; registration routes it to the body above
    that unit when it was sent to the accused unit or one under it (R22 Art.30).

    A second call with the same submission key (a double submit) returns the first case.

    Raises:
        ValidationFailed: a field is missing or malformed, the unit does not take online
            petitions, or an attachment is refused (then no case is created).
    """
    now = now or timezone.now()
    key = (submission_key or "").strip()[:64]
    if not key:
        raise ValidationFailed("页面已过期，请刷新后重新填写。", {"field": "submission_key"})
    existing = _replay(key)
    if existing is not None:
        return existing
    if not (unit.accepts_online and unit.is_active):
        raise ValidationFailed(f"{unit.name}不接收网上信访，请重新选择。", {"field": "unit"})
    if category.pk not in {c.pk for c in portal_categories()}:
        raise ValidationFailed("请选择问题分类。", {"field": "category"})
    if len((content or "").strip()) > MAX_CONTENT_CHARS:
        raise ValidationFailed(
            f"内容不能超过{MAX_CONTENT_CHARS}字，详细材料请作为附件上传。", {"field": "content"}
        )
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"最多上传{MAX_ATTACHMENTS}个附件。", {"field": "attachments"})
    for upload in attachments:
        portal_upload_check(upload)
    if is_accusation and (accused_unit is None or not accused_unit.is_active):
        raise ValidationFailed("检举控告须选择被反映的单位。", {"field": "accused_unit"})
    if not is_accusation and accused_unit is not None:
        raise ValidationFailed("只有检举控告才填写被反映的单位。", {"field": "is_accusation"})
    if len((accused_person or "").strip()) > 50 or len((accused_post or "").strip()) > 50:
        raise ValidationFailed("被反映人姓名或职务过长。", {"field": "accused_person"})
    if credential_kind == QueryCredential.Kind.PHONE and not query_phone(phone):
        raise ValidationFailed("选择用手机号码查询时，须填写手机号码。", {"field": "phone"})

    stored: list[str] = []
    try:
        with transaction.atomic():
            petition = petition_register(
                actor=None,
                channel=Channel.ONLINE,
                received_at=now,
                receiving_unit=unit,
                subject=subject,
                content=content,
                category=category,
                petitioners=[
                    PersonInput(name=name, id_number=id_number, phone=phone, address=address)
                ],
                place=place,
                is_accusation=is_accusation,
                accused_unit=accused_unit,
                accused_person=accused_person or "",
                accused_post=accused_post or "",
                idempotency_key=key,
                now=now,
            )
            if getattr(petition, "replayed", False):
                # The other submit committed between our check and the registration.
                raise IntegrityError("submission key already used")
            for upload in attachments:
                attachment = attachment_add(actor=None, petition=petition, upload=upload)
                stored.append(attachment.file.name)
            _, secret = query_credential_issue(
                petition=petition, kind=credential_kind, phone=phone, submission_key=key
            )
    except IntegrityError:
        _remove_files(stored)
        # Two submits with one key raced and the other one won.
        existing = _replay(key)
        if existing is not None:
            return existing
        raise
    except BaseException:
        _remove_files(stored)
        raise
    return PortalSubmission(petition, secret, credential_kind, replayed=False)


def _replay(key: str) -> PortalSubmission | None:
    credential = (
        QueryCredential.objects.filter(submission_key=key).select_related("petition").first()
    )
    if credential is None:
        return None
    return PortalSubmission(credential.petition, "", credential.kind, replayed=True)


def _remove_files(names: list[str]) -> None:
    """Delete files stored for a submission that was rolled back."""
    if not names:
        return

    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


# Who may take down a rating for the petitioner: those who work the case, not an informant.
RATING_RECORDERS = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER, Role.ADMIN})


def may_record_rating(user: Staff, petition: Petition) -> bool:
    """True when the user sees the case and works in its receiving or responsible unit (or
    leads above one)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not petition_is_visible_to(user, petition.pk):
        return False
    if user.is_superuser:
        return True
    units = {petition.responsible_unit, petition.receiving_unit}
    return any(roles_over(user, unit) & RATING_RECORDERS for unit in units)


@transaction.atomic
def rating_submit(
    *,
    petition: Petition,
    level: str,
    comment: str = "",
    office_level: str = "",
    via: str = Rating.Via.PORTAL,
    recorded_by: Staff | None = None,
    recorded_channel: str = "",
    now: datetime | None = None,
) -> Rating:
    """Record the petitioner's rating of the reply: once, within the rating window; given
    online, or taken down by staff (`recorded_by`, 工作人员代录) for a petitioner who gave it in
    person or by phone, which counts the same. `level` rates the reply (the handling unit),
    `office_level` optionally the petition office (RULES.md §9: rated separately).

    Raises:
        ValidationFailed: unknown level or recording channel, or a comment that is too long.
        NotPermitted: the recording staff member does not work on the case.
        InvalidTransition: no reply yet, or the case was already rated.
        DeadlineExpired: the rating window has closed.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if level not in Rating.Level.values:
        raise ValidationFailed("请选择满意、基本满意或不满意。", {"field": "level"})
    if office_level and office_level not in Rating.Level.values:
        raise ValidationFailed(
            "对信访部门的评价应为满意、基本满意或不满意。", {"field": "office_level"}
        )
    if recorded_by is not None:
        if recorded_channel not in RecordedChannel.values:
            raise ValidationFailed("请选择信访人评价的方式。", {"field": "recorded_channel"})
        if not may_record_rating(recorded_by, petition):
            raise NotPermitted("只有本件登记、承办单位的登记员、承办人或领导可以代录评价。")
        via = Rating.Via.STAFF
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationFailed(f"意见不能超过{MAX_COMMENT_CHARS}字。", {"field": "comment"})
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    earlier = Rating.objects.filter(petition=petition).first()
    if earlier is not None:
        raise InvalidTransition(
            f"您已于{timezone.localdate(earlier.rated_at):%Y-%m-%d}评价过本件答复"
            f"（{earlier.get_level_display()}），每件只能评价一次。",
            {"rated_at": earlier.rated_at.isoformat()},
        )
    closes = rating_closes_on(petition)
    if closes is None:
        raise InvalidTransition("本件尚未作出答复，收到答复后才能评价。")
    if today > closes:
        raise DeadlineExpired(
            f"评价期限（{closes:%Y-%m-%d}）已过，不能再评价。", {"rate_by": closes.isoformat()}
        )
    try:
        with transaction.atomic():
            return Rating.objects.create(
                petition=petition,
                level=level,
                office_level=office_level or "",
                comment=comment,
                rated_at=now,
                via=via,
                recorded_by=recorded_by,
                recorded_channel=recorded_channel if recorded_by else "",
            )
    except IntegrityError as exc:
        raise InvalidTransition("您已评价过本件答复，每件只能评价一次。") from exc


def portal_review_request(
    *, petition: Petition, reason: str, now: datetime | None = None
) -> Petition:
    """The petitioner asks for review of the reply (or re-review of the review opinion).

    Raises:
        ValidationFailed: no reason given, or a reason that is too long.
        DeadlineExpired: the window has passed (the workflow's message).
        InvalidTransition: the case is not waiting for such a request.
    """
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed("请简要写明申请的理由（至少4个字）。", {"field": "reason"})
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(f"理由不能超过{MAX_REASON_CHARS}字。", {"field": "reason"})
    if petition.state == State.REVIEW_CONCLUDED:
        return petition_request_re_review(
            petition=petition, actor=None, via=PORTAL, reason=reason, now=now
        )
    return petition_request_review(
        petition=petition, actor=None, via=PORTAL, reason=reason, now=now
    )


def answer_publish_refusal(user: Staff) -> NotPermitted | None:
    """Why the user may not write or publish public answers, or None: leaders, supervisors
    and admins (and superusers) may. Asked by the answers pages and their services."""
    if user.is_authenticated and user.is_active:
        if user.is_superuser:
            return None
        if Membership.objects.filter(staff=user, role__in=PUBLISHING_ROLES).exists():
            return None
    return NotPermitted("只有领导、督查人员和管理员可以发布政务公开答复。")


def _check_answer_fields(title: str, question: str, answer: str) -> tuple[str, str, str]:
    title, question, answer = ((v or "").strip() for v in (title, question, answer))
    if not title:
        raise ValidationFailed("请填写标题。", {"field": "title"})
    if len(title) > 200:
        raise ValidationFailed("标题不能超过200字。", {"field": "title"})
    if not question:
        raise ValidationFailed("请填写群众反映的问题。", {"field": "question"})
    if len(question) > 5000:
        raise ValidationFailed("群众反映的问题不能超过5000字。", {"field": "question"})
    if not answer:
        raise ValidationFailed("请填写答复内容。", {"field": "answer"})
    if len(answer) > 10000:
        raise ValidationFailed("答复内容不能超过10000字。", {"field": "answer"})
    return title, question, answer


def _check_unit(actor: Staff, unit: Unit | None) -> None:
    if unit is not None and not unit_is_visible_to(actor, unit):
        raise NotPermitted(f"您不能以{unit.name}的名义发布答复。")


@transaction.atomic
def public_answer_create(
    *,
    actor: Staff,
    title: str,
    question: str,
    answer: str,
    category: Category | None = None,
    unit: Unit | None = None,
    source_petition: Petition | None = None,
    publish: bool = False,
    now: datetime | None = None,
) -> PublicAnswer:
    """Create an answer for the public, from a concluded case the actor can see or from
    scratch, published at once or kept as a draft.

    Raises:
        NotPermitted: the actor may not publish, cannot see the case or the unit.
        ValidationFailed: a part is missing, or the case has no answer to publish.
    """
    refuse(answer_publish_refusal(actor))
    title, question, answer = _check_answer_fields(title, question, answer)
    _check_unit(actor, unit)
    if source_petition is not None:
        if not petition_is_visible_to(actor, source_petition.pk):
            raise NotPermitted("您不能查看该信访件。")
        if source_petition.is_accusation:
            raise ValidationFailed("检举控告事项不能公开。", {"field": "source_petition"})
        if source_petition.state not in ANSWERED_STATES:
            raise ValidationFailed("只能公开已经答复的信访事项。", {"field": "source_petition"})
    now = now or timezone.now()
    return PublicAnswer.objects.create(
        title=title,
        question=question,
        answer=answer,
        category=category,
        unit=unit,
        source_petition=source_petition,
        created_by=actor,
        is_published=publish,
        published_at=now if publish else None,
    )


def _check_may_edit(actor: Staff, public_answer: PublicAnswer) -> None:
    refuse(answer_publish_refusal(actor))
    if actor.is_superuser or public_answer.created_by_id == actor.pk:
        return
    if public_answer.unit is not None and unit_is_visible_to(actor, public_answer.unit):
        return
    raise NotPermitted("您不能修改这条政务公开答复。")


@transaction.atomic
def public_answer_update(
    *,
    actor: Staff,
    public_answer: PublicAnswer,
    title: str,
    question: str,
    answer: str,
    category: Category | None,
    unit: Unit | None,
) -> PublicAnswer:
    """Change the text, category or unit of an answer.

    Raises:
        NotPermitted: the actor may not edit it.
        ValidationFailed: a part is missing.
    """
    _check_may_edit(actor, public_answer)
    title, question, answer = _check_answer_fields(title, question, answer)
    _check_unit(actor, unit)
    public_answer.title, public_answer.question, public_answer.answer = title, question, answer
    public_answer.category, public_answer.unit = category, unit
    public_answer.save()
    return public_answer


@transaction.atomic
def public_answer_publish(
    *,
    actor: Staff,
    public_answer: PublicAnswer,
    publish: bool,
    now: datetime | None = None,
) -> PublicAnswer:
    """Show an answer on the public site, or take it down.

    Raises:
        NotPermitted: the actor may not edit it.
    """
    _check_may_edit(actor, public_answer)
    public_answer.is_published = publish
    public_answer.published_at = (now or timezone.now()) if publish else None
    public_answer.save(update_fields=["is_published", "published_at", "updated_at"])
    return public_answer
