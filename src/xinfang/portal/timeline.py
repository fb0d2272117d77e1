"""The case's history as the petitioner may read it.

Each PetitionEvent kind maps to one plain line: its date, what happened, and the name of the
body concerned ("已转送至 临江市交通运输局"); extension reasons and the issued replies are
shown. Event data that is internal (notes, instructions, handler names, the actor) is never
read here, and an accusation's reply is shown without the accused person's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from xinfang.core.dates import date_text
from xinfang.petitions.models import Channel, EventKind, Petition, Reply, ReviewOutcome
from xinfang.portal.anonymise import anonymise_for_case
from xinfang.workflow.presenters import decline_cited_words


@dataclass
class PublicReply:
    stage: str
    outcome: str
    request: str
    facts: str
    decision: str
    legal_basis: str
    issued_on: date | None
    delivered_on: date | None


@dataclass
class PublicLine:
    on: date
    title: str
    text: str = ""
    reply: PublicReply | None = None


def _public_reply(petition: Petition, reply: Reply | None) -> PublicReply | None:
    if reply is None or reply.status != Reply.Status.ISSUED:
        return None

    def clean(text: str) -> str:
        # An accusation's reply names the accused; the public view never does.
        return anonymise_for_case(petition, text) if petition.is_accusation else text

    return PublicReply(
        stage=reply.get_stage_display(),
        outcome=reply.outcome_label,
        request=clean(reply.request),
        facts=clean(reply.facts),
        decision=clean(reply.decision),
        legal_basis=clean(reply.legal_basis),
        issued_on=reply.issued_on,
        delivered_on=reply.delivered_on,
    )


def _d(value: str | None, provisional: frozenset[str] = frozenset()) -> str:
    """A stored ISO date as 2025年6月1日, with 暂定 and the reason while it still stands
    provisionally on the case."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return date_text(day, day.isoformat() in provisional)


def public_timeline(petition: Petition) -> list[PublicLine]:
    """The case's history as the petitioner may read it: one plain line per event, with the
    bodies' names and the issued replies, and never a staff name, a note or an instruction."""
    replies = {r.pk: r for r in petition.replies.filter(status=Reply.Status.ISSUED)}
    # The dates the case still counts provisionally (a later recompute may have moved them).
    pending = frozenset(
        getattr(petition, name).isoformat()
        for name, basis in (petition.deadline_basis or {}).items()
        if basis.get("provisional") and getattr(petition, name, None)
    )
    lines: list[PublicLine] = []
    current = petition.receiving_unit.name
    earlier: list[str] = []
    reviewer = re_reviewer = ""
    channel_labels = dict(Channel.choices)
    for event in petition.events.order_by("seq"):
        d = event.data or {}
        on = timezone.localdate(event.at)
        kind = event.kind
        if kind == EventKind.REGISTER:
            current = d.get("receiving_unit_name") or current
            channel = channel_labels.get(d.get("channel", ""), "")
            lines.append(
                PublicLine(on, "收到信访事项", f"{current}收到您的信访事项（{channel}）。")
            )
        elif kind == EventKind.ACCEPT:
            lines.append(
                PublicLine(
                    on,
                    "受理",
                    f"{current}决定受理，依法应于{_d(d.get('conclude_by'), pending)}前办结并答复。",
                )
            )
        elif kind == EventKind.FORWARD:
            if d.get("to_unit_name"):
                earlier.append(current)
                current = d["to_unit_name"]
                text = f"已转送至 {current}，由其依法办理。"
            else:
                text = f"已转送至 {d.get('to_body', '')}，由其依法办理；办理情况请向该机关了解。"
            lines.append(PublicLine(on, "转送", text))
        elif kind == EventKind.ASSIGN:
            to = d.get("to_unit_name") or current
            if to != current:
                earlier.append(current)
                current = to
                text = f"已交办至 {current} 办理"
            else:
                text = f"{current}已安排专人办理"
            if d.get("conclude_by"):
                text += f"，应于{_d(d['conclude_by'], pending)}前办结并答复"
            lines.append(PublicLine(on, "交办", text + "。"))
        elif kind == EventKind.DECLINE:
            text = f"{current}决定不予受理。理由：{d.get('reason_text', '')}。"
            cited = decline_cited_words(d, public=True)
            if cited:
                text += f"{cited}。"
            if d.get("channel"):
                text += f"{d['channel']}"
            lines.append(PublicLine(on, "不予受理", text))
        elif kind == EventKind.ACKNOWLEDGE:
            text = f"{current}已收到您的信访事项并开始办理"
            if d.get("conclude_by"):
                text += f"，应于{_d(d['conclude_by'], pending)}前办结并答复"
            lines.append(PublicLine(on, "签收", text + "。"))
        elif kind == EventKind.RETURN:
            returned_by = d.get("from_unit_name") or current
            current = earlier.pop() if earlier else current
            lines.append(
                PublicLine(
                    on,
                    "重新确定办理单位",
                    f"{returned_by}经审查认为不属于本单位职责，已退回{current}重新确定办理单位。",
                )
            )
        elif kind == EventKind.START:
            lines.append(PublicLine(on, "开始办理", f"{current}开始调查处理。"))
        elif kind == EventKind.EXTEND:
            text = (
                f"经批准，办理期限延长{d.get('days', '')}日，"
                f"至{_d(d.get('conclude_by'), pending)}。"
                f"延期理由：{d.get('reason', '')}"
            )
            lines.append(PublicLine(on, "延期办理", text))
        elif kind == EventKind.CONCLUDE:
            reply = _public_reply(petition, replies.get(d.get("reply")))
            outcome = reply.outcome if reply else ""
            lines.append(
                PublicLine(
                    on,
                    "答复",
                    f"{current}作出答复意见" + (f"（{outcome}）" if outcome else "") + "。",
                    reply,
                )
            )
        elif kind == EventKind.REQUEST_REVIEW:
            reviewer = d.get("reviewing_unit_name", "")
            lines.append(
                PublicLine(
                    on,
                    "申请复查",
                    f"收到复查申请，由{reviewer}复查，"
                    f"应于{_d(d.get('review_conclude_by'), pending)}前作出复查意见。",
                )
            )
        elif kind in (EventKind.CONCLUDE_REVIEW, EventKind.CONCLUDE_RE_REVIEW):
            body = reviewer if kind == EventKind.CONCLUDE_REVIEW else re_reviewer
            word = "复查" if kind == EventKind.CONCLUDE_REVIEW else "复核"
            reply = _public_reply(petition, replies.get(d.get("reply")))
            text = f"{body}作出{word}意见" + (f"（{reply.outcome}）" if reply else "") + "。"
            if d.get("outcome") == ReviewOutcome.REDO and d.get("conclude_by"):
                text += f"原办理单位重新办理，应于{_d(d['conclude_by'], pending)}前答复。"
            lines.append(PublicLine(on, f"{word}意见", text, reply))
        elif kind == EventKind.REQUEST_RE_REVIEW:
            re_reviewer = d.get("re_reviewing_unit_name", "")
            lines.append(
                PublicLine(
                    on,
                    "申请复核",
                    f"收到复核申请，由{re_reviewer}复核，"
                    f"应于{_d(d.get('re_review_conclude_by'), pending)}前作出复核意见。",
                )
            )
        elif kind == EventKind.TERMINATE:
            lines.append(
                PublicLine(
                    on,
                    "终结",
                    "该信访事项已终结：就同一事项以同一事实和理由再次提出的，不再受理。",
                )
            )
        elif kind == EventKind.CASE_NOTE and d.get("public"):
            # Only a step the handler marked public, and only what was done: never who took
            # part (staff names) nor the files.
            text = d.get("content", "")
            if petition.is_accusation:
                text = anonymise_for_case(petition, text)
            day = _d(d.get("happened_on"))
            lines.append(PublicLine(on, d.get("note_kind_label", "办理情况"), f"{day}：{text}"))
        elif kind == EventKind.DEADLINES_RECOMPUTED and any(
            # Only the case's own deadlines: follow-ups and supervision are internal.
            ":" not in name
            for name in d.get("moved", {})
        ):
            lines.append(
                PublicLine(on, "期限调整", "根据国家法定节假日安排，有关办理期限已相应调整。")
            )
    return lines
