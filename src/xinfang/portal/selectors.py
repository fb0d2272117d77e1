"""Reads for the public site: the petitioner's view of a case, published answers, contacts.

Everything a public page shows is built here into plain values; templates never receive a
Petition, so they cannot reach a petitioner's data, a staff name or an internal note.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xinfang.core.crypto import blind_index
from xinfang.core.dates import PROVISIONAL, cn_date, provisional_reason
from xinfang.core.tracking import format_tracking_code, normalise_tracking_code
from xinfang.petitions.models import (
    Category,
    Petition,
    PetitionParty,
    Reply,
    State,
)
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.stages import STAGE_ANSWERED_IN, STAGE_OF_STATE, STAGES
from xinfang.portal.anonymise import anonymise_for_case
from xinfang.portal.models import PublicAnswer, QueryCredential, Rating
from xinfang.portal.services import (
    ANSWERED_STATES,
    normalise_secret,
    query_phone,
    rating_closes_on,
    rating_window_days,
)
from xinfang.portal.timeline import PublicLine, public_timeline
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import units_visible_to
from xinfang.workflow.deadlines import calendar_load, deadline_is_provisional

# The state as the petitioner reads it; "returned" and "acknowledged" are internal steps.
PUBLIC_STATE_LABELS: dict[str, str] = {
    State.REGISTERED: "已收到，待决定是否受理",
    State.ACCEPTED: "已受理",
    State.FORWARDED: "已转送",
    State.ASSIGNED: "已交办",
    State.ACKNOWLEDGED: "办理中",
    State.RETURNED: "正在重新确定办理单位",
    State.DECLINED: "不予受理",
    State.IN_PROGRESS: "办理中",
    State.CONCLUDED: "已办结",
    State.REVIEW_REQUESTED: "复查中",
    State.REVIEW_CONCLUDED: "复查已答复",
    State.RE_REVIEW_REQUESTED: "复核中",
    State.RE_REVIEW_CONCLUDED: "复核已答复",
    State.TERMINATED: "已终结",
}
ACCUSATION_SUBJECT = "检举控告事项（内容保密）"


def public_state_label(petition: Petition) -> str:
    """The state's name on the public site and in Open311's status_notes."""
    if petition.state == State.FORWARDED and petition.forwarded_to_body:
        return "已转送其他机关"
    return PUBLIC_STATE_LABELS.get(petition.state, "处理中")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("not-a-real-query-password")


def case_for_credentials(tracking_code: str, secret: str) -> Petition | None:
    """The case these credentials open, or None; takes the same time either way.

    A case with a query password opens with that password only. Any other case (registered
    by letter, visit or phone, or submitted choosing "my phone number") opens with the full
    phone number of its first petitioner: staff pages show phones masked as 138****5678, so
    the last four digits would let any of them act as the petitioner.
    """
    code = normalise_tracking_code(tracking_code)
    petition = Petition.objects.filter(tracking_code=code).first() if code else None
    credential = QueryCredential.objects.filter(petition=petition).first() if petition else None
    if credential is not None and credential.kind == QueryCredential.Kind.PASSWORD:
        password = normalise_secret(secret)
        return petition if password and check_password(password, credential.secret_hash) else None
    # Hash either way, so a wrong code or a phone costs what a wrong password costs.
    check_password(normalise_secret(secret) or "-", _dummy_hash())
    expected = _phone_index_of(petition) if petition else ""
    phone = query_phone(secret)
    entered = blind_index("phone", phone) if phone else ""
    if expected and entered and hmac.compare_digest(entered.encode(), expected.encode()):
        return petition
    return None


def _phone_index_of(petition: Petition) -> str:
    """The blind index of the first petitioner's phone, or "" without one."""
    index = (
        PetitionParty.objects.filter(petition=petition, role=PetitionParty.Role.PETITIONER)
        .order_by("position")
        .values_list("petitioner__phone_index", flat=True)
        .first()
    )
    return index or ""


@dataclass
class ReviewWindow:
    kind: str  # "review" or "re_review"
    label: str  # 复查 / 复核
    closes_on: date
    is_open: bool
    # The window ends on a provisional date; the page says 暂定 and why.
    provisional: bool = False


@dataclass
class PublicRating:
    level: str
    level_label: str
    comment: str
    rated_on: date
    office_label: str = ""


@dataclass
class PublicCase:
    tracking_code: str
    subject: str
    category: str
    channel: str
    received_on: date
    receiving_unit: str
    state: str
    is_open: bool
    current_body: str
    due_text: str
    timeline: list[PublicLine] = field(default_factory=list)
    has_reply: bool = False
    rating: PublicRating | None = None
    rating_closes_on: date | None = None
    can_rate: bool = False
    review: ReviewWindow | None = None


def _due_text(petition: Petition) -> str:
    p = petition
    if not p.is_open:
        return ""
    day = {
        State.REGISTERED: ("decide_by", "前决定是否受理并告知您"),
        State.RETURNED: ("decide_by", "前决定是否受理并告知您"),
        State.FORWARDED: ("acknowledge_by", "前由接收单位告知您已收到"),
        State.ASSIGNED: ("conclude_by", "前办结并答复"),
        State.ACCEPTED: ("conclude_by", "前办结并答复"),
        State.ACKNOWLEDGED: ("conclude_by", "前办结并答复"),
        State.IN_PROGRESS: ("conclude_by", "前办结并答复"),
        State.REVIEW_REQUESTED: ("review_conclude_by", "前作出复查意见"),
        State.RE_REVIEW_REQUESTED: ("re_review_conclude_by", "前作出复核意见"),
    }.get(p.state)
    if not day or getattr(p, day[0]) is None:
        return ""
    due = getattr(p, day[0])
    text = f"依法应于{cn_date(due)}{day[1]}。"
    if deadline_is_provisional(p, day[0]):
        text += f"（{PROVISIONAL}：{provisional_reason(due)}）"
    return text


def public_case(petition: Petition, *, now: datetime | None = None) -> PublicCase:
    """Everything the petitioner may see of the case, as plain values."""
    today = timezone.localdate(now or timezone.now())
    p = (
        Petition.objects.select_related(
            "category",
            "receiving_unit",
            "responsible_unit",
            "reviewing_unit",
            "re_reviewing_unit",
        )
        .filter(pk=petition.pk)
        .first()
    )
    if p is None:
        raise Http404("未找到该信访件。")
    timeline = public_timeline(p)
    rating = Rating.objects.filter(petition=p).first()
    closes = rating_closes_on(p)
    # The stage under way or last answered (petitions.stages) names the body now concerned.
    stage = STAGES.get(STAGE_OF_STATE.get(p.state) or STAGE_ANSWERED_IN.get(p.state, ""))
    if p.state == State.FORWARDED and p.forwarded_to_body:
        current = p.forwarded_to_body
    elif stage and stage.key != "handling" and getattr(p, f"{stage.unit}_unit_id"):
        current = getattr(p, f"{stage.unit}_unit").name
    else:
        current = p.responsible_unit.name
    review = None
    if stage and p.state == stage.answered and stage.next and getattr(p, stage.next_window):
        closes = getattr(p, stage.next_window)
        review = ReviewWindow(
            stage.next,
            STAGES[stage.next].word,
            closes,
            today <= closes,
            deadline_is_provisional(p, stage.next_window),
        )
    return PublicCase(
        tracking_code=format_tracking_code(p.tracking_code),
        subject=ACCUSATION_SUBJECT if p.is_accusation else p.subject,
        category=p.category.name,
        channel=p.get_channel_display(),
        received_on=p.received_on,
        receiving_unit=p.receiving_unit.name,
        state=public_state_label(p),
        is_open=p.is_open,
        current_body=current,
        due_text=_due_text(p),
        timeline=timeline,
        has_reply=any(line.reply for line in timeline),
        rating=PublicRating(
            rating.level,
            rating.get_level_display(),
            rating.comment,
            timezone.localdate(rating.rated_at),
            rating.get_office_level_display() if rating.office_level else "",
        )
        if rating
        else None,
        rating_closes_on=closes,
        can_rate=rating is None and closes is not None and today <= closes,
        review=review,
    )


# The longest a last day can move forward over a holiday (the Spring Festival week).
_ROLL_MARGIN = timedelta(days=15)


def petitions_rating_window_closed_between(start: date, end: date) -> QuerySet[Petition]:
    """Cases whose rating window closed in [start, end]: the denominator of rating_rate."""
    days = timedelta(days=rating_window_days())
    calendar = calendar_load()
    candidates = Petition.objects.filter(
        reply_delivered_on__gte=start - days - _ROLL_MARGIN, reply_delivered_on__lte=end - days
    ).only("pk", "reply_delivered_on")
    ids = [p.pk for p in candidates if start <= rating_closes_on(p, calendar) <= end]
    return Petition.objects.filter(pk__in=ids)


def online_units() -> QuerySet[Unit]:
    """Units a petitioner may choose on the public site, in tree order."""
    return Unit.objects.filter(accepts_online=True, is_active=True).order_by("path")


def accusable_units() -> QuerySet[Unit]:
    """Units a petitioner may name as the one an accusation is about, in tree order."""
    return Unit.objects.filter(is_active=True).order_by("path")


def units_with_contacts() -> QuerySet[Unit]:
    """Units that publish a hotline, an address or reception hours (R22 Art.18)."""
    return (
        Unit.objects.filter(is_active=True)
        .filter(
            ~Q(hotline="") | ~Q(postal_address="") | ~Q(reception_place="") | ~Q(reception_hours="")
        )
        .order_by("path")
    )


def portal_root_unit() -> Unit | None:
    """The top of the organisation: whose name and hotline the site carries."""
    return Unit.objects.filter(depth=1).order_by("path").first()


def portal_title(root: Unit | None = None) -> str:
    """The public site's name: PORTAL_TITLE, or the top unit's name + 网上信访."""
    configured = getattr(settings, "PORTAL_TITLE", "")
    if configured:
        return configured
    root = root or portal_root_unit()
    return f"{root.name}网上信访" if root else "网上信访"


def top_categories() -> list[Category]:
    """Top-level categories, for filtering public answers."""
    return list(Category.objects.filter(depth=1, is_active=True).order_by("path"))


def public_answers_published(*, group: str = "", q: str = "") -> QuerySet[PublicAnswer]:
    """Published answers, newest first; optionally in one top-level category or matching q."""
    qs = PublicAnswer.objects.filter(is_published=True).select_related("unit", "category")
    if group:
        top = Category.objects.filter(code=group, depth=1).first()
        qs = qs.filter(category__path__startswith=top.path) if top else qs.none()
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(question__icontains=q) | Q(answer__icontains=q))
    return qs.order_by("-published_at", "-pk")


def public_answer_published_get(pk: int) -> PublicAnswer:
    """One published answer.

    Raises:
        Http404: it does not exist or is not published.
    """
    answer = (
        PublicAnswer.objects.filter(pk=pk, is_published=True)
        .select_related("unit", "category")
        .first()
    )
    if answer is None:
        raise Http404("未找到该公开答复。")
    return answer


def answer_candidates_for(user: Staff) -> QuerySet[Petition]:
    """Answered cases the user can see that could become public answers: no accusations."""
    issued = Reply.objects.filter(petition=OuterRef("pk"), status=Reply.Status.ISSUED)
    return (
        petitions_visible_to(user)
        .filter(state__in=ANSWERED_STATES, is_accusation=False)
        .filter(Exists(issued))
        .select_related("responsible_unit", "category")
        .order_by("-concluded_on", "-pk")
    )


def public_answers_managed_by(user: Staff) -> QuerySet[PublicAnswer]:
    """Answers the user created, or whose unit the user can see."""
    qs = PublicAnswer.objects.select_related("unit", "category", "created_by")
    if user.is_superuser:
        return qs.order_by("-updated_at")
    return qs.filter(Q(created_by=user) | Q(unit__in=units_visible_to(user))).order_by(
        "-updated_at"
    )


def public_answer_draft_from(petition: Petition) -> dict[str, object]:
    """A public answer prefilled from a case's latest issued reply, anonymised."""
    reply = (
        petition.replies.filter(status=Reply.Status.ISSUED).order_by("-issued_on", "-pk").first()
    )
    question = reply.request if reply else petition.content
    answer = ""
    if reply:
        answer = f"{reply.decision}\n\n政策法律依据：{reply.legal_basis}"
    return {
        "title": anonymise_for_case(petition, petition.subject),
        "question": anonymise_for_case(petition, question),
        "answer": anonymise_for_case(petition, answer),
        "category": petition.category,
        "unit": petition.responsible_unit,
    }
