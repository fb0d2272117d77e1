"""The hash chain over a case's events: each event's SHA-256 covers its content and the
previous event's hash, and the case keeps the newest hash, so an edited, removed or
reordered event shows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from xinfang.petitions.models import Petition, PetitionEvent


def canonical(payload: dict[str, Any]) -> bytes:
    """A stable byte encoding: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def event_payload(event: PetitionEvent) -> dict[str, Any]:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    return {
        "petition": event.petition_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "from": event.from_state,
        "to": event.to_state,
        "data": event.data,
        "at": at,
        "prev": event.prev_hash,
    }


def event_hash(event: PetitionEvent) -> str:
    return hashlib.sha256(canonical(event_payload(event))).hexdigest()


def event_append(
    petition: Petition,
    *,
    kind: str,
    actor: Any,
    from_state: str,
    to_state: str,
    data: dict[str, Any],
    at: datetime,
) -> PetitionEvent:
    """Append one event to the case's chain and move the case's head to it.

    The caller holds the case's row lock and saves `history_head` with its other fields.
    """
    last = PetitionEvent.objects.filter(petition=petition).order_by("-seq").values("seq").first()
    # Round-trip the data through JSON so the hash covers exactly what the database stores.
    data = json.loads(canonical(data))
    event = PetitionEvent(
        petition=petition,
        seq=(last["seq"] + 1) if last else 1,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "display_name", "") if actor else "",
        from_state=from_state,
        to_state=to_state,
        data=data,
        at=at,
        prev_hash=petition.history_head,
    )
    # Database timestamps keep microseconds; hash what will be read back.
    event.hash = event_hash(event)
    event.save()
    petition.history_head = event.hash
    return event


def chain_verify(petition: Petition, events: list[PetitionEvent]) -> list[str]:
    """Problems found in one case's chain, in Chinese; empty when it verifies."""
    problems: list[str] = []
    prev = ""
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"第{expected_seq}条事件缺失或顺序被改动（实际序号{event.seq}）")
        if event.prev_hash != prev:
            problems.append(f"第{event.seq}条事件的前序哈希不符（记录被删除或重排）")
        if event_hash(event) != event.hash:
            problems.append(f"第{event.seq}条事件的内容被改动（哈希不符）")
        prev = event.hash
    if prev != petition.history_head:
        problems.append("最新事件与信访件记录的哈希不符（末尾事件被删除或替换）")
    return problems
