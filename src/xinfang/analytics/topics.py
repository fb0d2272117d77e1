"""Hot topics (热点): the matters many people raise in a window of 7, 30 or 90 days.

A background job (analytics/tasks.py: every hour, and on demand from the page or the API)
clusters the window's cases by their words (textmining.topics.find_topics over the words
the text index keeps for each case) and stores the clusters with their cases and the
similar cases of the window before (the trend). Accusations are left out: their words may
name the reporter's circumstances, and they are handled apart (RULES.md §6).

Reading applies visibility: each reader sees a topic through the cases they may see — its
count, trend, units and places are those of their cases, its label recomputed from them
when some are hidden, and a topic none of whose cases they may see is not shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from xinfang.analytics.topic_models import HotTopic, TopicRun
from xinfang.analytics.views import may_view_dashboard
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors.ledger import case_set_register
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.textmining.text import normalise
from xinfang.textmining.tokeniser import cut
from xinfang.textmining.topics import Topic, TopicDoc, find_topics, label_of
from xinfang.units.models import Staff

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30
MAX_TOPICS = 30
KEEP_RUNS = 3  # finished runs kept per window
PREFIX = "topic"


def topics_view_refusal(user: Staff) -> NotPermitted | None:
    """Why the user may not see hot topics, or None: leaders, supervisors and admins, as
    for the rest of 统计分析."""
    if not may_view_dashboard(user):
        return NotPermitted("热点分析供领导和督查人员使用。")
    return None


def window_checked(raw: object) -> int:
    """The window in days from a request (7, 30 or 90; 30 when not given)."""
    if raw in (None, ""):
        return DEFAULT_WINDOW
    try:
        days = int(str(raw))
    except ValueError:
        days = 0
    if days not in WINDOWS:
        raise ValidationFailed("时间窗口只能是 7、30 或 90 天。", {"field": "window"})
    return days


# --- computing --------------------------------------------------------------------------------


def topics_request(window_days: int, *, today: date | None = None) -> TopicRun:
    """Queue a computation of a window ending today (the job runs after the commit)."""
    from xinfang.analytics.tasks import topics_compute_task

    today = today or timezone.localdate()
    run = TopicRun.objects.create(
        window_days=window_days,
        start=today - timedelta(days=window_days - 1),
        end=today,
        status=TopicRun.Status.QUEUED,
    )
    transaction.on_commit(lambda: topics_compute_task(run.pk))
    return run


def _docs_of(cases: QuerySet[Petition]) -> list[TopicDoc]:
    """The cases as documents: the words the text index keeps, or cut now for a case the
    index has not seen (written straight into the tables by an import)."""
    rows = cases.order_by("pk").values_list(
        "pk", "received_on", "subject", "content", "text_index__words"
    )
    return [
        TopicDoc(pk, words.split() if words else cut(f"{subject}。{content}"), day)
        for pk, day, subject, content, words in rows
    ]


def _docs(start: date, end: date) -> list[TopicDoc]:
    return _docs_of(
        Petition.objects.filter(received_on__gte=start, received_on__lte=end, is_accusation=False)
    )


def topics_compute(run_id: int) -> TopicRun:
    """Cluster the run's window, store its topics (largest first, at most MAX_TOPICS) and
    drop older runs of the window beyond KEEP_RUNS."""
    run = TopicRun.objects.get(pk=run_id)
    TopicRun.objects.filter(pk=run.pk).update(status=TopicRun.Status.RUNNING)
    try:
        docs = _docs(run.start, run.end)
        before = _docs(run.start - timedelta(days=run.window_days), run.start - timedelta(days=1))
        found = find_topics(docs, previous=before)[:MAX_TOPICS]
    except Exception:
        TopicRun.objects.filter(pk=run.pk).update(status=TopicRun.Status.FAILED)
        raise
    with transaction.atomic():
        for rank, topic in enumerate(found, start=1):
            row = HotTopic.objects.create(
                run=run,
                rank=rank,
                label=topic.label,
                count=topic.count,
                previous=topic.previous,
                trend=topic.trend,
                first_day=topic.first_day,
                last_day=topic.last_day,
            )
            row.cases.set(topic.ids)
            row.previous_cases.set(topic.previous_ids)
        run.status = TopicRun.Status.DONE
        run.cases = len(docs)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "cases", "finished_at"])
        done = TopicRun.objects.filter(window_days=run.window_days, status=TopicRun.Status.DONE)
        stale = done.order_by("-finished_at", "-pk").values_list("pk", flat=True)[KEEP_RUNS:]
        TopicRun.objects.filter(pk__in=list(stale)).delete()
    return run


def topics_refresh_all(today: date | None = None) -> list[int]:
    """Compute every window now (the periodic job); returns the runs' ids."""
    ids = []
    today = today or timezone.localdate()
    for days in WINDOWS:
        run = TopicRun.objects.create(
            window_days=days,
            start=today - timedelta(days=days - 1),
            end=today,
            status=TopicRun.Status.QUEUED,
        )
        ids.append(topics_compute(run.pk).pk)
    return ids


# --- reading ----------------------------------------------------------------------------------


def topics_latest(window_days: int) -> TopicRun | None:
    """The newest finished computation of the window."""
    return (
        TopicRun.objects.filter(window_days=window_days, status=TopicRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def topics_pending(window_days: int) -> TopicRun | None:
    """A computation of the window queued or running after the newest finished one."""
    latest = topics_latest(window_days)
    pending = TopicRun.objects.filter(
        window_days=window_days, status__in=[TopicRun.Status.QUEUED, TopicRun.Status.RUNNING]
    )
    if latest is not None:
        pending = pending.filter(requested_at__gte=latest.requested_at)
    # A job that never ran (no worker) is not waited on for ever.
    pending = pending.filter(requested_at__gte=timezone.now() - timedelta(hours=1))
    return pending.order_by("-requested_at").first()


@dataclass
class TopicView:
    """A topic as one reader sees it: through the cases they may see."""

    id: int
    rank: int
    label: list[str]
    count: int
    previous: int
    trend: str
    trend_label: str
    first_day: date
    last_day: date
    units: list[tuple[int, str, int]] = field(default_factory=list)  # (id, name, cases)
    places: list[tuple[str, int]] = field(default_factory=list)
    ledger_url: str = ""
    partial: bool = False  # some of its cases are hidden from the reader


def topic_ledger_url(topic_id: int) -> str:
    return f"{reverse('petitions:list')}?{urlencode({'set': f'{PREFIX}:{topic_id}'})}"


def _members(through, run: TopicRun, visible: QuerySet) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = through.objects.filter(hottopic__run=run, petition_id__in=visible.values("pk"))
    for topic_id, petition_id in rows.values_list("hottopic_id", "petition_id"):
        out.setdefault(topic_id, []).append(petition_id)
    return out


def topics_for(user: Staff, run: TopicRun, *, limit: int = MAX_TOPICS) -> list[TopicView]:
    """The run's topics as the user sees them, largest (for them) first."""
    visible = petitions_visible_to(user)
    members = _members(HotTopic.cases.through, run, visible)
    earlier = _members(HotTopic.previous_cases.through, run, visible)
    ids = [pk for pks in members.values() for pk in pks]
    facts = {
        pk: (unit_id, unit_name, place)
        for pk, unit_id, unit_name, place in Petition.objects.filter(pk__in=ids).values_list(
            "pk", "responsible_unit_id", "responsible_unit__name", "place"
        )
    }
    topics = HotTopic.objects.filter(run=run, pk__in=list(members)).order_by("rank")
    wanted = [pk for t in topics if len(members[t.pk]) < t.count for pk in members[t.pk]]
    words = {d.id: d.words for d in _docs_of(Petition.objects.filter(pk__in=wanted))}
    views = []
    for t in topics:
        mine = members[t.pk]
        hidden = len(mine) < t.count
        units = Counter((facts[pk][0], facts[pk][1]) for pk in mine if pk in facts)
        places = Counter(
            normalise(facts[pk][2]).replace(" ", "")
            for pk in mine
            if pk in facts and facts[pk][2].strip()
        )
        shown = Topic(t.label, mine, t.first_day, t.last_day, previous=len(earlier.get(t.pk, [])))
        views.append(
            TopicView(
                id=t.pk,
                rank=t.rank,
                label=label_of([words.get(pk, []) for pk in mine]) if hidden else list(t.label),
                count=len(mine),
                previous=shown.previous,
                trend=shown.trend,
                trend_label=HotTopic.Trend(shown.trend).label,
                first_day=t.first_day,
                last_day=t.last_day,
                units=[(uid, name, n) for (uid, name), n in units.most_common(5)],
                places=places.most_common(5),
                ledger_url=topic_ledger_url(t.pk),
                partial=hidden,
            )
        )
    views.sort(key=lambda v: (-v.count, v.rank))
    return views[:limit]


# --- the ledger's case set "topic:<id>" -------------------------------------------------------


def resolve(user: Staff, value: str) -> tuple[str, QuerySet[Petition]] | None:
    bits = value.split(":")
    if len(bits) != 2 or not (bits[1].isascii() and bits[1].isdigit() and len(bits[1]) <= 18):
        return None
    topic = HotTopic.objects.select_related("run").filter(pk=int(bits[1])).first()
    if topic is None or topics_view_refusal(user) is not None:
        return None
    label = "、".join(topic.label[:3])
    run = topic.run
    return (
        f"热点“{label}”的信访件（{run.start:%m-%d}～{run.end:%m-%d}）",
        Petition.objects.filter(pk__in=topic.cases.values("pk")),
    )


def register() -> None:
    case_set_register(PREFIX, resolve)
