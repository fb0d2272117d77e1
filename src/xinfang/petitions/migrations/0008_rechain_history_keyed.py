"""Re-chain every case's history under HISTORY_KEY (HMAC-SHA256 instead of plain SHA-256),
and stamp each case's newest event with the case's version and state digest.

Only chains that verify under the old scheme are re-chained: a history altered before this
migration keeps its old hashes, so `verify-history` still names it. The hashing is frozen
here, as it stood when this migration was written.
"""

import hashlib
import hmac
import json
from datetime import UTC, date

from django.conf import settings
from django.db import migrations

BATCH = 500
STATE_FIELDS = (
    "state", "responsible_unit_id", "assigning_unit_id", "reviewing_unit_id",
    "re_reviewing_unit_id", "forwarded_to_body", "handler_id", "decision", "decline_reason",
    "decided_on", "accepted_on", "concluded_on", "reply_delivered_on", "extension_days",
    "hearing_days", "is_litigation", "decide_by", "acknowledge_by", "return_by", "conclude_by",
    "review_request_by", "review_conclude_by", "re_review_request_by", "re_review_conclude_by",
    "due_on", "target_on",
)  # fmt: skip


def _canonical(payload):
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def _payload(event, keyed):
    payload = {
        "petition": event.petition_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "from": event.from_state,
        "to": event.to_state,
        "data": event.data,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev": event.prev_hash,
    }
    if keyed:
        payload |= {"case_version": event.case_version, "case_digest": event.case_digest}
    return payload


def _digest(petition):
    state = {}
    for name in STATE_FIELDS:
        value = getattr(petition, name)
        state[name] = value.isoformat() if isinstance(value, date) else value
    return hashlib.sha256(_canonical(state)).hexdigest()


def _old_chain_ok(petition, events):
    prev = ""
    for seq, event in enumerate(events, start=1):
        legacy = hashlib.sha256(_canonical(_payload(event, keyed=False))).hexdigest()
        if event.seq != seq or event.prev_hash != prev or legacy != event.hash:
            return False
        prev = event.hash
    return prev == petition.history_head


def rechain(apps, schema_editor):
    Petition = apps.get_model("petitions", "Petition")
    PetitionEvent = apps.get_model("petitions", "PetitionEvent")
    key = str(settings.HISTORY_KEY).strip().encode("utf-8")
    last_pk = 0
    while True:
        petitions = list(Petition.objects.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not petitions:
            return
        last_pk = petitions[-1].pk
        events = {p.pk: [] for p in petitions}
        for event in PetitionEvent.objects.filter(petition_id__in=events).order_by(
            "petition_id", "seq"
        ):
            events[event.petition_id].append(event)
        changed_events, changed_cases = [], []
        for petition in petitions:
            chain = events[petition.pk]
            if not chain or not _old_chain_ok(petition, chain):
                continue
            prev = ""
            for event in chain:
                if event is chain[-1]:
                    event.case_version = petition.version
                    event.case_digest = _digest(petition)
                event.prev_hash = prev
                event.hash = hmac.new(
                    key, _canonical(_payload(event, keyed=True)), "sha256"
                ).hexdigest()
                prev = event.hash
                changed_events.append(event)
            petition.history_head = prev
            changed_cases.append(petition)
        PetitionEvent.objects.bulk_update(
            changed_events, ["prev_hash", "hash", "case_version", "case_digest"], batch_size=1000
        )
        Petition.objects.bulk_update(changed_cases, ["history_head"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_event_case_state"),
    ]

    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
