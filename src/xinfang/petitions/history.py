"""The keyed hash chain over a case's events.

Each event's hash is an HMAC-SHA256, under HISTORY_KEY, of its content and the previous
event's hash; the case keeps the newest hash, so an edited, removed or reordered event
shows, and without the key (kept beside the encryption key, never in the database) nobody
can rebuild a chain that verifies. Each event also records the case's version and a digest
of its state and deadlines after it, so a case row changed directly in the table shows
against its last event. `history_anchor` (audit) commits to all chains once a day, so even
a chain rebuilt with the key after the fact differs from an anchor printed before.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinfang.petitions.models import DEADLINE_FIELDS, EventKind, Petition, PetitionEvent

# The columns of a case that only the workflow changes, each change with an event: its
# state, who holds it, what was decided and every deadline.
CASE_STATE_FIELDS = (
    "state",
    "responsible_unit_id",
    "assigning_unit_id",
    "reviewing_unit_id",
    "re_reviewing_unit_id",
    "forwarded_to_body",
    "handler_id",
    "decision",
    "decline_reason",
    "decided_on",
    "accepted_on",
    "concluded_on",
    "reply_delivered_on",
    "extension_days",
    "hearing_days",
    "is_litigation",
    *DEADLINE_FIELDS,
    "due_on",
    "target_on",
)


def canonical(payload: dict[str, Any]) -> bytes:
    """A stable byte encoding: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def case_digest_of(values: dict[str, Any]) -> str:
    """SHA-256 of the case's state columns (CASE_STATE_FIELDS), given as attname → value."""
    state = {}
    for name in CASE_STATE_FIELDS:
        value = values.get(name)
        state[name] = value.isoformat() if isinstance(value, date) else value
    return hashlib.sha256(canonical(state)).hexdigest()


def case_digest(petition: Any) -> str:
    """The digest of a case row (a Petition, or any object with the same attributes)."""
    return case_digest_of({name: getattr(petition, name) for name in CASE_STATE_FIELDS})


@functools.lru_cache(maxsize=4)
def _key(value: str) -> bytes:
    key = value.strip().encode("utf-8")
    if len(key) < 32:
        raise ImproperlyConfigured("HISTORY_KEY must be at least 32 characters (64 hex digits).")
    return key


def history_key() -> bytes:
    """The chain's HMAC key (settings.HISTORY_KEY).

    Raises:
        ImproperlyConfigured: the key is missing or too short.
    """
    return _key(str(getattr(settings, "HISTORY_KEY", "") or ""))


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
        "case_version": event.case_version,
        "case_digest": event.case_digest,
        "prev": event.prev_hash,
    }


def event_hash(event: PetitionEvent, key: bytes | None = None) -> str:
    """The event's HMAC-SHA256 under the history key."""
    return hmac.new(key or history_key(), canonical(event_payload(event)), "sha256").hexdigest()


def event_kind(kind: str) -> str:
    """The kind as stored, refused unless EventKind names it (so every event has a label)."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}: add it to petitions.models.EventKind")
    return str(EventKind(kind).value)


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

    The caller holds the case's row lock, has already set the case's fields and version as
    they will be saved, and saves `history_head` with its other fields.
    """
    last = PetitionEvent.objects.filter(petition=petition).order_by("-seq").values("seq").first()
    # Round-trip the data through JSON so the hash covers exactly what the database stores.
    data = json.loads(canonical(data))
    event = PetitionEvent(
        petition=petition,
        seq=(last["seq"] + 1) if last else 1,
        kind=event_kind(kind),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "display_name", "") if actor else "",
        from_state=from_state,
        to_state=to_state,
        data=data,
        at=at,
        case_version=petition.version,
        case_digest=case_digest(petition),
        prev_hash=petition.history_head,
    )
    # Database timestamps keep microseconds; hash what will be read back.
    event.hash = event_hash(event)
    event.save()
    petition.history_head = event.hash
    return event


def chain_verify(petition: Petition, events: list[PetitionEvent]) -> list[str]:
    """Problems found in one case's chain and its row, in Chinese; empty when it verifies."""
    problems: list[str] = []
    prev = ""
    key = history_key()
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"第{expected_seq}条事件缺失或顺序被改动（实际序号{event.seq}）")
        if event.prev_hash != prev:
            problems.append(f"第{event.seq}条事件的前序哈希不符（记录被删除或重排）")
        if not hmac.compare_digest(event_hash(event, key), event.hash):
            problems.append(
                f"第{event.seq}条事件的内容被改动（哈希不符，或链条未用本系统密钥生成）"
            )
        prev = event.hash
    if prev != petition.history_head:
        problems.append("最新事件与信访件记录的哈希不符（末尾事件被删除或替换）")
    last = events[-1] if events else None
    if last is not None and last.case_digest:
        if last.case_version != petition.version:
            problems.append(
                f"信访件版本（{petition.version}）与最新事件记录的版本（{last.case_version}）"
                "不符（记录被直接改动）"
            )
        if case_digest(petition) != last.case_digest:
            problems.append("信访件的状态或期限与最新事件记录的不符（记录被直接改动）")
    return problems
