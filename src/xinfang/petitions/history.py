"""The keyed hash chain over a case's events.

Each event's hash is an HMAC-SHA256, under HISTORY_KEY, of its content and the previous
event's hash; the case keeps the newest hash, so an edited, removed or reordered event
shows, and without the key (kept beside the encryption key, never in the database) nobody
can rebuild a chain that verifies. Each event also records the case's version and a digest
of its state and deadlines after it, so a case row changed directly in the table shows
against its last event. `history_anchor` (audit) commits to all chains once a day, so even
a chain rebuilt with the key after the fact differs from an anchor printed before.

This module is the only writer of the chain: `event_append` (one case, the workflow's
`_transition` and `_record` and registration), `SystemEvents` (a
job's marks and orders on many cases) link and hash through `_chained`;
`histories_write_bulk` (the whole history of cases created in bulk, a ledger import) hashes
the same payload (`_payload`) as plain rows, without a model instance per event. The audit
app only reads it (`chain_verify`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import OuterRef, Subquery

from xinfang.core.db import copy_rows, copy_stamp, pipeline
from xinfang.petitions.models import DEADLINE_FIELDS, EventKind, Petition, PetitionEvent
from xinfang.petitions.search import SEARCH_EVENT_KINDS, petition_search_index
from xinfang.petitions.textindex import petition_text_index
from xinfang.petitions.userdict import dictionary_sync
from xinfang.textmining.tokeniser import default_tokeniser

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
    return _CANONICAL(payload).encode("utf-8")


# What json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
# default=str) does, with the encoder built once instead of on every call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
).encode


def case_digest_of(values: dict[str, Any]) -> str:
    """SHA-256 of the case's state columns (CASE_STATE_FIELDS), given as attname → value."""
    return _state_digest(values.get(name) for name in _STATE_SORTED)


def case_digest(petition: Any) -> str:
    """The digest of a case row (a Petition, or any object with the same attributes)."""
    return _state_digest(_STATE_VALUES(petition))


# The state columns in the canonical (sorted) order, read in one call, with their keys' text:
# the deadline scan digests ~31,000 cases in a first run at a million cases.
_STATE_SORTED = tuple(sorted(CASE_STATE_FIELDS))
_STATE_VALUES = operator.attrgetter(*_STATE_SORTED)
_STATE_KEYS = tuple(f'"{name}":' for name in _STATE_SORTED)


def _state_digest(values: Iterable[Any]) -> str:
    # The canonical JSON of {name: value, dates as ISO text}, assembled key by key in sorted
    # order: what `canonical` gives for the dict, without building and sorting one.
    text = ",".join(
        [key + _json_value(value) for key, value in zip(_STATE_KEYS, values, strict=True)]
    )
    return hashlib.sha256(("{" + text + "}").encode("utf-8")).hexdigest()


def _json_value(value: Any) -> str:
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return str(value)
    if isinstance(value, date):
        return encode_basestring(value.isoformat())
    return _CANONICAL(value)  # booleans, anything else: the encoder's own text


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
    return _payload(
        petition_id=event.petition_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        from_state=event.from_state,
        to_state=event.to_state,
        data=event.data,
        at=event.at,
        case_version=event.case_version,
        case_digest=event.case_digest,
        prev_hash=event.prev_hash,
    )


def _payload(
    *,
    petition_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_name: str,
    from_state: str,
    to_state: str,
    data: Any,
    at: datetime,
    case_version: int | None,
    case_digest: str,
    prev_hash: str,
) -> dict[str, Any]:
    """What an event's hash covers (the one definition, for a saved event or a row about to
    be inserted)."""
    return {
        "petition": petition_id,
        "seq": seq,
        "kind": kind,
        "actor": actor_id,
        "actor_name": actor_name,
        "from": from_state,
        "to": to_state,
        "data": data,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "case_version": case_version,
        "case_digest": case_digest,
        "prev": prev_hash,
    }


def event_hash(event: PetitionEvent, key: bytes | None = None) -> str:
    """The event's HMAC-SHA256 under the history key."""
    return hmac.digest(key or history_key(), canonical(event_payload(event)), "sha256").hex()


def event_kind(kind: str) -> str:
    """The kind as stored, refused unless EventKind names it (so every event has a label)."""
    value = str(kind)  # an EventKind member's str() is its value
    if value not in _EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}: add it to petitions.models.EventKind")
    return value


# EventKind.values builds a list each time it is read (a ledger import asks 400,000 times).
_EVENT_KINDS = frozenset(EventKind.values)


def event_append(
    petition: Petition,
    *,
    kind: str,
    actor: Any,
    from_state: str,
    to_state: str,
    data: dict[str, Any],
    at: datetime,
    first: bool = False,
) -> PetitionEvent:
    """Append one event to the case's chain and move the case's head to it.

    The caller holds the case's row lock, has already set the case's fields and version as
    they will be saved, and saves `history_head` with its other fields. `first`: the case
    was created in this transaction (registration), so it has no event to follow yet.
    """
    if first:
        seq = 1
    else:
        last = PetitionEvent.objects.filter(petition=petition).order_by("-seq").values("seq")
        newest = last.first()
        seq = newest["seq"] + 1 if newest else 1
    event = _chained(
        petition,
        seq=seq,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        data=data,
        at=at,
        case_digest=case_digest(petition),
    )
    event.save()
    _text_indexes_refresh(petition, kind, from_state, to_state)
    return event


def _text_indexes_refresh(petition: Petition, kind: str, from_state: str, to_state: str) -> None:
    """Keep the text indexes current in the event's transaction: subject and content are
    written once, at registration (duplicate finder and search, from one cutting of the
    words); replies are issued with a change of state, notes are recorded as events of
    their own (search)."""
    dictionary_sync()  # words an admin added cut whole from now on
    if kind == EventKind.REGISTER:
        words, index_words = default_tokeniser().cut_both(f"{petition.subject}。{petition.content}")
        registration_text_indexes_write(petition, words=words, index_words=index_words)
    elif from_state != to_state or kind in SEARCH_EVENT_KINDS:
        petition_search_index(petition)


def registration_text_indexes_write(
    petition: Petition, *, words: list[str], index_words: list[str]
) -> None:
    """Write a case's similar-case row and search document at its registration, from its
    words cut once (`Tokeniser.cut_both`). On PostgreSQL the two statements go in one
    round trip (psycopg's pipeline): a registration waits for the server once, not twice."""
    with pipeline():
        petition_text_index(petition, words=words)
        petition_search_index(petition, base_words=index_words, registering=True)


def _chained(
    petition: Any,
    *,
    seq: int,
    kind: str,
    actor: Any,
    from_state: str,
    to_state: str,
    data: dict[str, Any],
    at: datetime,
    case_digest: str,
    case_version: int | None = None,
) -> PetitionEvent:
    """The case's next event (not yet saved), hashed onto its chain; the case's head moves to
    it. The one place an event's link and hash are made, for one case or for many.
    `case_version` is the case's version after the event (default: the case's own)."""
    event = PetitionEvent(
        petition_id=petition.pk,
        seq=seq,
        kind=event_kind(kind),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "display_name", "") if actor else "",
        from_state=from_state,
        to_state=to_state,
        # Round-trip through JSON so the hash covers exactly what the database stores.
        data=json.loads(canonical(data)),
        at=at,
        case_version=petition.version if case_version is None else case_version,
        case_digest=case_digest,
        prev_hash=petition.history_head,
    )
    if isinstance(petition, Petition):
        event.petition = petition
    # Database timestamps keep microseconds; hash what will be read back.
    event.hash = event_hash(event)
    petition.history_head = event.hash
    return event


class SystemEvents:
    """System events (no actor) at one moment on many locked cases: drafted in memory by
    `add`, one or more kinds, then written by `write` in one COPY and one head move per case.

    The caller holds the cases' row locks inside a transaction; each event moves its case's
    version on by one and grows its chain by one, exactly as `event_append` would have done one
    by one. The cases may be Petition instances or any rows with pk, state, history_head and
    version; `add` moves those on in memory, `write` stores the heads and versions they reach.
    Two events on one case (an overdue mark and its automatic order) so cost the case table
    one row version, not two: the second update of a row in a run is rarely HOT, and a row
    version that is not writes every index of the case table.

    The events are hashed as plain rows (`_RowHasher`), with no model instance each: the
    same payload and HMAC as `_chained` (a test holds the two to the same hashes).
    """

    def __init__(self, *, at: datetime) -> None:
        self.at = at
        self.rows: list[tuple[Any, ...]] = []
        self.cases: dict[int, Any] = {}
        self._hashers: dict[str, _RowHasher] = {}
        # Each case's newest event (seq, case digest): read once, then the drafted one.
        self._last: dict[int, tuple[int, str]] = {}

    def add(
        self,
        petitions: Sequence[Any],
        *,
        kind: str,
        data: dict[int, dict[str, Any]],
        digests: dict[int, str] | None = None,
    ) -> int:
        """Draft one event of `kind` on each case; return how many. `data` maps each case's id
        to its event's data; `digests` gives each case's digest to record (`case_digest` of
        the row as it now stands, what `event_append` records); without it the digest of the
        case's newest event carries forward (a system mark changes no state column, and an
        earlier direct change of the row is not folded into the chain)."""
        unread = [p.pk for p in petitions if p.pk not in self._last]
        if unread:
            self._last.update(_newest_events(unread))
        kind = event_kind(kind)
        hasher = self._hashers.get(kind)
        if hasher is None:
            hasher = self._hashers[kind] = _RowHasher(kind=kind, at=self.at)
        for p in petitions:
            seq, digest = self._last.get(p.pk, (0, ""))
            if digests is not None:
                digest = digests[p.pk]
            p.version += 1
            row = hasher.row(
                p.pk, seq + 1, p.state, data.get(p.pk, {}), p.version, digest, p.history_head
            )
            p.history_head = row[-1]
            p.updated_at = self.at
            self._last[p.pk] = (seq + 1, digest)
            self.cases[p.pk] = p
            self.rows.append(row)
        return len(petitions)

    def write(self) -> int:
        """Insert the drafted events and move each case's head once; return how many."""
        if self.rows:
            _events_insert(self.rows)
            _heads_update(list(self.cases.values()), self.at)
        return len(self.rows)


# Values that come back from a JSON round trip as they went in (str keys, no floats, tuples
# or dates): data made of them is hashed as it is, without the round trip.
_PLAIN_JSON = (str, int, bool, type(None))


def _round_trips(data: dict[str, Any]) -> bool:
    return all(type(k) is str and (type(v) in _PLAIN_JSON) for k, v in data.items())


class _RowHasher:
    """System events (no actor) of one kind at one moment, as the rows `_events_insert` takes,
    hashed as `_chained` hashes them: the same `_payload`, the same canonical bytes, the same
    HMAC, computed with one-shot calls (`hmac.digest`, a reused encoder, the time formatted
    once) instead of a model instance and `event_hash` per event."""

    def __init__(self, *, kind: str, at: datetime) -> None:
        self.kind = kind
        self.at = at
        # On PostgreSQL the text COPY reads, formatted once for the run's every event.
        self.at_db = copy_stamp(connection.ops.adapt_datetimefield_value(at))
        self.key = history_key()
        self.at_text = at.astimezone(UTC).isoformat(timespec="microseconds")
        # The canonical payload's text around the values that change from event to event,
        # keys in sorted order: what `_CANONICAL(payload)` gives, without building and
        # sorting a dict of twelve keys and encoding the data a second time in it.
        self._before_digest = (
            '{"actor":null,"actor_name":"","at":' + _CANONICAL(self.at_text) + ',"case_digest":'
        )
        self._kind_json = _CANONICAL(kind)

    def row(
        self,
        petition_id: int,
        seq: int,
        state: str,
        data: dict[str, Any],
        case_version: int,
        case_digest: str,
        prev_hash: str,
    ) -> tuple[Any, ...]:
        stored = _CANONICAL(data)
        if not _round_trips(data):
            # What the database gives back (see _chained), and its text as `_chained` stores it.
            stored = _CANONICAL(json.loads(stored))
        state_json = _json_value(state)
        # `_payload`'s keys, sorted; the data as stored (its canonical text, once).
        text = (
            f"{self._before_digest}{_json_value(case_digest)},"
            f'"case_version":{_json_value(case_version)},"data":{stored},"from":{state_json},'
            f'"kind":{self._kind_json},"petition":{_json_value(petition_id)},'
            f'"prev":{_json_value(prev_hash)},"seq":{_json_value(seq)},"to":{state_json}}}'
        )
        digest = hmac.digest(self.key, text.encode("utf-8"), "sha256").hex()
        return (
            petition_id,
            seq,
            self.kind,
            None,
            "",
            state,
            state,
            stored,
            self.at_db,
            case_version,
            case_digest,
            prev_hash,
            digest,
        )


def _newest_events(ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each case's newest event: (seq, case_digest), by case id.

    On PostgreSQL one index probe per case (a LATERAL … LIMIT 1 over an array of ids): the
    correlated `seq = (newest seq)` filter read every event of every case twice, about twice
    the buffers and time for a batch of 5,000 (bench_deadlines)."""
    if connection.vendor == "postgresql":
        table = PetitionEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT v.id, e.seq, e.case_digest FROM unnest(%s::bigint[]) AS v(id) "
                f"CROSS JOIN LATERAL (SELECT seq, case_digest FROM {table} "
                "WHERE petition_id = v.id ORDER BY seq DESC LIMIT 1) AS e",
                ["{" + ",".join(str(int(pk)) for pk in ids) + "}"],
            )
            return {pk: (seq, digest) for pk, seq, digest in cursor.fetchall()}
    newest = PetitionEvent.objects.filter(petition_id=OuterRef("petition_id")).order_by("-seq")
    return {
        pk: (seq, digest)
        for pk, seq, digest in PetitionEvent.objects.filter(
            petition_id__in=ids, seq=Subquery(newest.values("seq")[:1])
        ).values_list("petition_id", "seq", "case_digest")
    }


@dataclass(frozen=True)
class EventDraft:
    """One event of a case being created in bulk, as the case stood after it: its version
    and `case_digest` then (the caller changes the case in memory step by step)."""

    kind: str
    actor: Any
    from_state: str
    to_state: str
    data: dict[str, Any]
    at: datetime
    case_version: int
    case_digest: str


def histories_write_bulk(
    histories: Sequence[tuple[Petition, Sequence[EventDraft]]],
) -> int:
    """Write the whole history of cases just created in bulk (a ledger import): each case's
    drafted events, in order, hashed into a new chain from seq 1, saved in a few queries;
    each case's head moves to its last event (in memory and in one UPDATE per thousand).

    The cases are saved rows (the chain hashes their ids) with no events yet, inside the
    caller's transaction; their version and state columns already stand as after the last
    draft, so the chain verifies exactly as if each step had been appended one by one.
    The events are hashed here in one pass and inserted as plain rows; returns how many.
    """
    key = history_key()
    rows: list[tuple[Any, ...]] = []
    at_db = connection.ops.adapt_datetimefield_value
    for petition, drafts in histories:
        prev = petition.history_head
        for seq, draft in enumerate(drafts, start=1):
            actor = draft.actor if getattr(draft.actor, "pk", None) else None
            actor_name = getattr(draft.actor, "display_name", "") if draft.actor else ""
            stored = canonical(draft.data)
            payload = _payload(
                petition_id=petition.pk,
                seq=seq,
                kind=event_kind(draft.kind),
                actor_id=actor.pk if actor is not None else None,
                actor_name=actor_name,
                from_state=draft.from_state,
                to_state=draft.to_state,
                # What the database gives back (see _chained).
                data=json.loads(stored),
                at=draft.at,
                case_version=draft.case_version,
                case_digest=draft.case_digest,
                prev_hash=prev,
            )
            digest = hmac.new(key, canonical(payload), "sha256").hexdigest()
            rows.append(
                (
                    petition.pk,
                    seq,
                    payload["kind"],
                    payload["actor"],
                    actor_name,
                    draft.from_state,
                    draft.to_state,
                    stored.decode("utf-8"),
                    at_db(draft.at),
                    draft.case_version,
                    draft.case_digest,
                    prev,
                    digest,
                )
            )
            prev = digest
        petition.history_head = prev
    _events_insert(rows)
    _heads_update([p for p, _ in histories], None)
    return len(rows)


_HEX = re.compile(r"[0-9a-f]+")
_EVENT_COLUMNS = (
    "petition",
    "seq",
    "kind",
    "actor",
    "actor_name",
    "from_state",
    "to_state",
    "data",
    "at",
    "case_version",
    "case_digest",
    "prev_hash",
    "hash",
)


def _events_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert event rows (in _EVENT_COLUMNS order, values as the database takes them): COPY on
    PostgreSQL, elsewhere one executemany per thousand. Django's bulk_create spends more on
    building and preparing a model per event than the database spends storing it, and an
    executemany still has the driver quote every value into a statement of its own."""
    meta = PetitionEvent._meta
    columns = ", ".join(meta.get_field(name).column for name in _EVENT_COLUMNS)
    if connection.vendor == "postgresql":
        copy_rows(f"COPY {meta.db_table} ({columns}) FROM STDIN", rows)
        return
    values = ", ".join("%s" for _ in _EVENT_COLUMNS)
    sql = f"INSERT INTO {meta.db_table} ({columns}) VALUES ({values})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def _heads_update(petitions: Sequence[Any], at: datetime | None) -> None:
    """Move each case's head in one UPDATE … FROM unnest(arrays) per 5,000 cases on PostgreSQL,
    FROM (VALUES …) per thousand elsewhere (bulk_update's CASE over a thousand ids costs
    seconds at a million cases); with `at`, a job's events, its version to the one reached in
    memory (one more per event, under the caller's row lock) and updated_at to `at`."""
    table = Petition._meta.db_table
    bump = ""
    params_head: list[Any] = []
    if at is not None:
        bump = ", version = v.version, updated_at = %s"
        params_head = [connection.ops.adapt_datetimefield_value(at)]
    if connection.vendor == "postgresql":
        # Arrays as single parameters, 5,000 cases a statement: the driver quotes no value
        # one by one (ids and versions are digits, heads hex digests; anything else goes as
        # a list).
        for start in range(0, len(petitions), 5000):
            chunk = petitions[start : start + 5000]
            heads = [p.history_head for p in chunk]
            hexes = all(head and _HEX.fullmatch(head) for head in heads)
            versions = ["{" + ",".join(str(int(p.version)) for p in chunk) + "}"] if bump else []
            columns = "id, head, version" if bump else "id, head"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET history_head = v.head{bump} "
                    f"FROM unnest(%s::bigint[], %s::varchar[]{', %s::int[]' if bump else ''}) "
                    f"AS v({columns}) WHERE {table}.id = v.id",
                    [
                        *params_head,
                        "{" + ",".join(str(int(p.pk)) for p in chunk) + "}",
                        "{" + ",".join(heads) + "}" if hexes else heads,
                        *versions,
                    ],
                )
        return
    for start in range(0, len(petitions), 1000):
        chunk = petitions[start : start + 1000]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        params: list[Any] = list(params_head)
        for p in chunk:
            params += [p.pk, p.history_head, p.version]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET history_head = v.head{bump} "
                f"FROM (SELECT column1 AS id, column2 AS head, column3 AS version "
                f"FROM (VALUES {values})) AS v WHERE {table}.id = v.id",
                params,
            )


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
