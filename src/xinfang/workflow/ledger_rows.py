"""The ledger's rows written in Python: the HTML petitions/_ledger_rows.html wrote through
the template engine for each of 50 rows (two URLs reversed, a dozen filters and tags, an
include), ~40 % of a search page's CPU at load (issue 16)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from xinfang.core.templatetags.xinfang import due_badge
from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.models import Petition
from xinfang.textmining.highlight import marked_html, snippet_html
from xinfang.workflow.selectors import flagged_ids

FLAGGED = (
    '<span class="badge text-bg-danger xf-flagged" title="挂牌督办：最严格的督办方式">'
    '<i class="bi bi-flag-fill" aria-hidden="true"></i> 挂牌督办</span>'
)
_KEY = 987654321  # a case id to split the detail URL around


def _detail_url() -> tuple[str, str]:
    """The case page's URL before and after its id."""
    before, _, after = reverse("petitions:detail", args=[_KEY]).partition(str(_KEY))
    return escape(before), escape(after)


def _person(p: Petition) -> str:
    if p.is_anonymous:
        return "匿名"
    if p.is_accusation:
        return '<span class="text-secondary">保密</span>'
    parties = p.parties.all()
    if not parties:
        return ""
    more = " 等" if len(parties) > 1 else ""
    return escape(parties[0].petitioner.name) + more


def _leader(p: Petition) -> str:
    leader = getattr(p, "leader", None)
    if not leader:
        return '<span class="text-secondary">未指定</span>'
    owner = (
        ' <span class="badge text-bg-light border" title="包案领导">包案</span>'
        if leader.is_owner
        else ""
    )
    return escape(leader.names) + owner


def ledger_rows_html(
    rows: Iterable[Petition], *, marks: list[str], today: date, show_leader: bool, cols: int
) -> SafeString:
    """A <tr> for each case of a ledger page (`ledger_page`'s rows, each with its `hint`,
    and its `leader` when `show_leader`): the search's `marks` marked in the subject and a
    snippet of the content, or one row saying none matched."""
    rows = list(rows)
    if not rows:
        return mark_safe(
            f'<tr><td colspan="{cols}" class="text-center text-secondary py-4">'
            "没有符合条件的信访件。</td></tr>\n"
        )
    flagged = flagged_ids([p.pk for p in rows])
    before, after = _detail_url()
    html = []
    for p in rows:
        url = f"{before}{p.pk}{after}"
        subject = marked_html(str(p.subject or ""), marks) if marks else escape(p.subject)
        badges = [
            FLAGGED if p.pk in flagged else "",
            f'<span class="badge text-bg-warning">集体{p.headcount}人</span>'
            if p.is_collective
            else "",
            '<span class="badge text-bg-dark">检举控告</span>' if p.is_accusation else "",
            '<span class="badge text-bg-light border">重复</span>' if p.hint.repeat_of_id else "",
        ]
        snippet = (
            '<div class="small text-secondary xf-snippet">'
            f"{snippet_html(str(p.content or ''), marks)}</div>"
            if marks and not p.is_accusation
            else ""
        )
        received = timezone.localtime(p.received_at).strftime("%Y-%m-%d %H:%M")
        leader = f'<td data-col="leader">{_leader(p)}</td>' if show_leader else ""
        html.append(
            "<tr>\n"
            f'  <td data-col="code"><a href="{url}" class="font-monospace">'
            f"{escape(display_tracking_code(p.tracking_code))}</a></td>\n"
            f'  <td data-col="received">{received}</td>\n'
            f'  <td class="xf-subject"><a class="text-body" href="{url}">{subject}</a>\n'
            + "".join(f"    {badge}\n" for badge in badges)
            + f"    {snippet}\n"
            "  </td>\n"
            f'  <td data-col="person">{_person(p)}</td>\n'
            f'  <td data-col="channel">{escape(p.get_channel_display())}</td>\n'
            f'  <td data-col="category">{escape(p.category.name)}</td>\n'
            f'  <td data-col="unit">{escape(p.responsible_unit.name)}</td>\n'
            f"  {leader}\n"
            '  <td data-col="state"><span class="badge text-bg-light border">'
            f"{escape(p.get_state_display())}</span></td>\n"
            f'  <td data-col="due">{due_badge(p.due_on, today, p.is_open)}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(html))
