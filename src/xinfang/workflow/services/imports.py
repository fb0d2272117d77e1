"""Cases registered in bulk from a ledger (issue 15): the same case, people, unit links,
reply, deadlines and hash-chained history that `petition_register` and the accept, start
and conclude transitions give one case at a time, written a batch at a time in a few
queries per table (one by one, a row costs some fifty queries).

The rules are the same ones: the registration's checks, the roles of each transition,
Art.19 (a matter pending below is not accepted again, `same_matter.PendingFinder`), the
petitioner found again by identity number or phone (blind indexes), first petitions known
by the people's earlier cases. The caller holds one transaction around every batch of an
import, so an import is written whole or not at all.

The text indexes (search document, the duplicate finder's words and bands) cost more than
everything else a case needs, and nothing in the import reads them: `imported_cases_index`
writes them after the import has committed (a background job, batch by batch), so an
imported case is found by search and by the duplicate hints a little later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Model, Q
from django.utils import timezone

from xinfang.core.crypto import blind_index
from xinfang.core.errors import DomainError, NotPermitted, ValidationFailed
from xinfang.core.tracking import new_tracking_code
from xinfang.petitions.history import EventDraft, case_digest, histories_write_bulk
from xinfang.petitions.models import (
    Category,
    Difficulty,
    EventKind,
    Outcome,
    Petition,
    Petitioner,
    PetitionParty,
    PetitionText,
    PetitionUnit,
    Reply,
    State,
)
from xinfang.petitions.search import petitions_search_indexed, petitions_search_words_bulk
from xinfang.petitions.services.people import COLLECTIVE_HEADCOUNT, PersonInput, person_clean
from xinfang.petitions.textindex import petitions_text_index_bulk
from xinfang.petitions.userdict import dictionary_sync
from xinfang.textmining.tokeniser import default_tokeniser
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock, binding_refresh
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.services.registration import (
    _validate_registration,
    petition_register_refusal,
)
from xinfang.workflow.services.same_matter import PendingFinder, pending_refusal
from xinfang.workflow.services.transition import STAFF, reply_fields_clean

STEPS = ("accept", "start", "conclude")
TARGETS = {"accept": State.ACCEPTED, "start": State.IN_PROGRESS, "conclude": State.CONCLUDED}


@dataclass
class ImportedCase:
    """One case as a ledger row gives it: registered at `received_at`, then taken through
    `steps` (a prefix of accept, start, conclude) on that day, concluded at `concluded_at`
    with `reply` delivered on `delivered_on`; `source` is what its import event records."""

    channel: str
    received_at: datetime
    unit: Unit
    subject: str
    content: str
    category: Category
    people: list[PersonInput]
    headcount: int
    steps: tuple[str, ...] = ()
    reply: dict[str, str] | None = None
    delivered_on: date | None = None
    concluded_at: datetime | None = None
    source: dict[str, Any] = field(default_factory=dict)


class CaseRefused(Exception):
    """Case number `index` of the batch cannot be written; nothing of the batch was."""

    def __init__(self, index: int, error: DomainError) -> None:
        super().__init__(error.message)
        self.index, self.error = index, error


@dataclass
class _Draft:
    petition: Petition
    people: list[tuple[PersonInput, str, str]]  # (person, id index, phone index)
    events: list[EventDraft]
    reply: Reply | None = None


class BulkImport:
    """One import's writer: the rules and calendar read once, the people and open cases of
    earlier batches remembered. Call `write` for each batch inside one transaction."""

    def __init__(self, *, actor: Staff, now: datetime | None = None) -> None:
        self.actor = actor
        self.now = now or timezone.now()
        self.clock = Clock()
        self.pending = PendingFinder()
        # (name, phone index, identity index) → the petitioner record it matches
        self._people: dict[tuple[str, str, str], int] = {}
        self._seen: set[str] = set()
        self._roles: dict[int, set[str]] = {}
        self._refusals: dict[tuple[int, tuple[str, ...]], DomainError | None] = {}

    # -- checks ---------------------------------------------------------------------------

    def _roles_in(self, unit: Unit) -> set[str]:
        if unit.pk not in self._roles:
            self._roles[unit.pk] = roles_over(self.actor, unit)
        return self._roles[unit.pk]

    def _refusal(self, case: ImportedCase) -> DomainError | None:
        """The roles registration and each step ask, once per unit and path of steps."""
        key = (case.unit.pk, tuple(case.steps))
        if key not in self._refusals:
            refusal = petition_register_refusal(self.actor, case.unit)
            if refusal is None and list(case.steps) != list(STEPS[: len(case.steps)]):
                refusal = ValidationFailed("导入的办理步骤无效。")
            for name in case.steps if refusal is None else ():
                t = TRANSITIONS[name]
                if refusal is None and not self._roles_in(case.unit) & t.roles:
                    refusal = NotPermitted(f"您在{case.unit.name}没有“{t.label}”的权限。")
            self._refusals[key] = refusal
        return self._refusals[key]

    def _clean(self, index: int, case: ImportedCase) -> ImportedCase:
        try:
            refusal = self._refusal(case)
            if refusal is not None:
                raise refusal
            people = [person_clean(p, f"信访人{i + 1}") for i, p in enumerate(case.people)]
            subject, content = (case.subject or "").strip(), (case.content or "").strip()
            _validate_registration(
                channel=case.channel,
                received_at=case.received_at,
                now=self.now,
                subject=subject,
                content=content,
                category=case.category,
                people=people,
                reps=[],
                headcount=case.headcount,
                difficulty=Difficulty.MINOR,
                line=None,
                is_accusation=False,
                is_anonymous=False,
                accused_unit=None,
                accused_person="",
            )
            reply = None
            if "conclude" in case.steps:
                reply = reply_fields_clean(**(case.reply or {}), outcomes=Outcome)  # type: ignore[arg-type]
        except DomainError as exc:
            raise CaseRefused(index, exc) from exc
        return replace(case, people=people, subject=subject, content=content, reply=reply)

    # -- the batch ------------------------------------------------------------------------

    def write(self, cases: Sequence[ImportedCase]) -> list[Petition]:
        """Write a batch of cases, in order, as if registered and moved one by one.

        Raises:
            CaseRefused: a case breaks a rule (its index, and the service's error); nothing of
                the batch is written, and the caller's transaction should be rolled back.
        """
        cleaned = [self._clean(i, case) for i, case in enumerate(cases)]
        indexed = [
            [
                (p, blind_index("id_number", p.id_number) if p.id_number else "", "")
                for p in case.people
            ]
            for case in cleaned
        ]
        indexed = [
            [(p, i, blind_index("phone", p.phone) if p.phone else "") for p, i, _ in people]
            for people in indexed
        ]
        indexes = {x for people in indexed for _, i, ph in people for x in (i, ph) if x}
        earlier = self._earlier_petitions(indexes)
        self._people_load(indexed)
        if any(case.steps for case in cleaned):
            self.pending.load({case.unit for case in cleaned}, indexes, indexes)
        drafts = [
            self._case(i, case, people, earlier)
            for i, (case, people) in enumerate(zip(cleaned, indexed, strict=True))
        ]
        self._save(drafts)
        self.pending.settle()
        return [d.petition for d in drafts]

    def _earlier_petitions(self, indexes: set[str]) -> set[str]:
        """The blind indexes of these people that some case already names."""
        if not indexes:
            return set()
        # The people by their (indexed) blind indexes, then which of them some case names:
        # one query with both conditions on the joined petitioner went through every party.
        people = {
            pk: (i, ph)
            for pk, i, ph in Petitioner.objects.filter(
                Q(id_number_index__in=indexes) | Q(phone_index__in=indexes)
            ).values_list("pk", "id_number_index", "phone_index")
        }
        named = (
            PetitionParty.objects.filter(petitioner__in=list(people))
            .order_by()
            .values_list("petitioner", flat=True)
            .distinct()
        )
        return {x for pk in named for x in people[pk] if x in indexes}

    def _people_load(self, indexed: list[list[tuple[PersonInput, str, str]]]) -> None:
        """Find the records of the batch's people (same name with the same identity number
        and phone, or the same phone without one: `petitioner_for`)."""
        ids = {i for people in indexed for _, i, _ in people if i}
        phones = {ph for people in indexed for _, i, ph in people if ph and not i}
        if not ids and not phones:
            return
        rows = (
            Petitioner.objects.filter(
                Q(id_number_index__in=ids) | Q(phone_index__in=phones, id_number_index="")
            )
            .order_by("pk")
            .values_list("pk", "name", "phone_index", "id_number_index")
        )
        for pk, name, phone_index, id_index in rows:
            self._people.setdefault((name, phone_index, id_index), pk)

    def _case(
        self,
        index: int,
        case: ImportedCase,
        people: list[tuple[PersonInput, str, str]],
        earlier: set[str],
    ) -> _Draft:
        actor, clock = self.actor, self.clock
        mine = {x for _, i, ph in people for x in (i, ph) if x}
        received_on = timezone.localdate(case.received_at)
        if "accept" in case.steps:
            found = self.pending.find(
                unit=case.unit, category=case.category, indexes=mine, today=received_on
            )
            if found is not None:
                leader = Role.LEADER in self._roles_in(case.unit)
                raise CaseRefused(index, pending_refusal(found, leader=leader))
        p = Petition(
            channel=case.channel,
            channel_details={},
            received_at=case.received_at,
            received_on=received_on,
            receiving_unit=case.unit,
            responsible_unit=case.unit,
            registered_by=actor,
            headcount=case.headcount,
            is_collective=case.headcount >= COLLECTIVE_HEADCOUNT,
            subject=case.subject,
            content=case.content,
            category=case.category,
            line=case.category.line,
            place="",
            difficulty=Difficulty.MINOR,
            is_litigation=case.category.is_litigation,
            # Two intersections, not `mine & (earlier | self._seen)`: that union copied every
            # index the import had seen, once per case (quadratic in the import's size).
            is_first=not (mine & earlier or mine & self._seen),
        )
        clock.set(p, "decide_by", received_on)
        clock.set_target(p, received_on)
        binding_refresh(p)
        events = [
            self._event(
                p,
                "register",
                "",
                case.received_at,
                {
                    "channel": case.channel,
                    "receiving_unit": case.unit.pk,
                    "receiving_unit_name": case.unit.name,
                    "headcount": case.headcount,
                    "repeat_of": None,
                    "accused_unit": None,
                    "decide_by": p.decide_by.isoformat(),
                    "target_on": p.target_on.isoformat(),
                },
            )
        ]
        draft = _Draft(p, people, events)
        for name in case.steps:
            at = case.concluded_at if name == "conclude" else case.received_at
            assert at is not None
            today, before = timezone.localdate(at), p.state
            if name == "accept":
                p.decision, p.decided_on, p.accepted_on = "accept", today, today
                clock.set(p, "conclude_by", today)
                data: dict[str, Any] = {
                    "note": "",
                    "conclude_by": p.conclude_by.isoformat(),
                    "timely": today <= p.decide_by,
                }
            elif name == "start":
                p.handler = actor
                data = {"handler": actor.pk, "handler_name": actor.display_name}
            else:
                delivered_on = case.delivered_on or today
                if delivered_on < today:
                    error = ValidationFailed(
                        "送达日期不能早于出具日期。", {"field": "delivered_on"}
                    )
                    raise CaseRefused(index, error)
                assert case.reply is not None
                draft.reply = Reply(
                    stage=Reply.Stage.HANDLING,
                    status=Reply.Status.ISSUED,
                    drafted_by=actor,
                    approved_by=actor,
                    issued_on=today,
                    delivered_on=delivered_on,
                    **case.reply,
                )
                p.concluded_on, p.reply_delivered_on = today, delivered_on
                clock.set(p, "review_request_by", delivered_on)
                data = {
                    "reply": None,  # the reply's id, once saved
                    "outcome": case.reply["outcome"],
                    "on_time": p.conclude_by is None or today <= p.conclude_by,
                    "review_request_by": p.review_request_by.isoformat(),
                }
            p.state = TARGETS[name]
            binding_refresh(p)
            p.version += 1
            events.append(self._event(p, name, before, at, {**data, "via": STAFF}))
        p.version += 1
        mark = {**case.source, "via": STAFF}
        events.append(self._event(p, EventKind.LEDGER_IMPORT, p.state, self.now, mark))
        self._seen |= mine
        self.pending.add(p, mine)
        return draft

    def _event(
        self, p: Petition, kind: str, from_state: str, at: datetime, data: dict[str, Any]
    ) -> EventDraft:
        return EventDraft(
            kind=kind,
            actor=self.actor,
            from_state=from_state,
            to_state=p.state,
            data=data,
            at=at,
            case_version=p.version,
            case_digest=case_digest(p),
        )

    def _tracking_codes(self, n: int) -> list[str]:
        codes: set[str] = set()
        while len(codes) < n:
            drawn = {new_tracking_code() for _ in range(n - len(codes))} - codes
            taken = set(
                Petition.objects.filter(tracking_code__in=drawn).values_list(
                    "tracking_code", flat=True
                )
            )
            codes |= drawn - taken
        return sorted(codes)

    def _people_save(self, drafts: list[_Draft]) -> list[Petitioner]:
        """Write the batch's people: a record per new (name, phone index, identity index),
        shared in the batch and remembered for later batches (`self._people`), and one per
        person with neither (nobody to find again). Returns those anonymous records, in the
        order their people appear. The one place the import writes petitioner records."""
        new: dict[tuple[str, str, str] | int, Petitioner] = {}
        for d in drafts:
            for person, id_index, phone_index in d.people:
                key: tuple[str, str, str] | int = (person.name, phone_index, id_index)
                if not (id_index or phone_index):
                    key = len(new)  # nobody to find again: always a new record
                elif key in self._people or key in new:
                    continue
                new[key] = Petitioner(
                    name=person.name,
                    name_index=blind_index("name", person.name),
                    id_number=person.id_number,
                    id_number_index=id_index,
                    phone=person.phone,
                    phone_index=phone_index,
                    address=person.address,
                    kind=person.kind,
                )
        Petitioner.objects.bulk_create(list(new.values()), batch_size=1000)
        for key, record in new.items():
            if isinstance(key, tuple):
                self._people[key] = record.pk
        return [record for key, record in new.items() if not isinstance(key, tuple)]

    def _save(self, drafts: list[_Draft]) -> None:
        anonymous = iter(self._people_save(drafts))
        petitions = [d.petition for d in drafts]
        for p, code in zip(petitions, self._tracking_codes(len(petitions)), strict=True):
            p.tracking_code = code
        Petition.objects.bulk_create(petitions, batch_size=1000)

        parties: list[tuple[int, int, str, int]] = []
        links: list[tuple[int, int, str]] = []
        for d in drafts:
            p = d.petition
            for position, (person, id_index, phone_index) in enumerate(d.people):
                if id_index or phone_index:
                    petitioner_id = self._people[(person.name, phone_index, id_index)]
                else:
                    petitioner_id = next(anonymous).pk
                parties.append((p.pk, petitioner_id, PetitionParty.Role.PETITIONER.value, position))
            links.append((p.pk, p.receiving_unit_id, PetitionUnit.Relation.RECEIVING.value))
            if p.accepted_on is not None:
                links.append((p.pk, p.responsible_unit_id, PetitionUnit.Relation.RESPONSIBLE.value))
        rows_insert(PetitionParty, ("petition", "petitioner", "role", "position"), parties)
        rows_insert(PetitionUnit, ("petition", "unit", "relation"), links)

        replies = []
        for d in drafts:
            if d.reply is not None:
                d.reply.petition = d.petition
                replies.append(d.reply)
        Reply.objects.bulk_create(replies, batch_size=1000)
        for d in drafts:
            if d.reply is not None:
                conclude = next(e for e in d.events if e.kind == "conclude")
                conclude.data["reply"] = d.reply.pk

        histories_write_bulk([(d.petition, d.events) for d in drafts])
        # The text indexes (search words, the duplicate finder's sketch and bands) are not
        # written here: `imported_cases_index` writes them after the import commits.


def rows_insert(model: type[Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert plain rows (values as the database takes them: ids, strings, numbers) into
    `model`'s table, a thousand to an executemany: for the narrow link tables of a bulk
    import, Django's bulk_create costs more in building models than the inserts do."""
    meta = model._meta
    columns = ", ".join(meta.get_field(name).column for name in fields)
    sql = f"INSERT INTO {meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def imported_cases_index(petition_ids: Sequence[int]) -> int:
    """Write the text indexes of cases created by a bulk import: the duplicate finder's words,
    sketch and bands, and the search document of subject, content and issued replies, as
    registration and each change of state write them one by one. A case that has its
    document already (changed since the import, so its change wrote it) keeps it. Returns the
    number of cases indexed. The caller holds a transaction."""
    if not petition_ids:
        return 0
    ids = list(petition_ids)
    texts = set(
        PetitionText.objects.filter(petition_id__in=ids).values_list("petition_id", flat=True)
    )
    searched = petitions_search_indexed(ids)
    petitions = list(
        Petition.objects.filter(pk__in=ids).only("pk", "subject", "content").order_by("pk")
    )
    replies: dict[int, list[str]] = {}
    issued = Reply.objects.filter(petition_id__in=ids, status=Reply.Status.ISSUED).order_by("pk")
    for pk, *parts in issued.values_list(
        "petition_id", "request", "facts", "decision", "legal_basis"
    ):
        replies.setdefault(pk, []).extend(parts)
    dictionary_sync()  # words an admin added cut whole, as registration would
    # Each text cut once for both indexes (the duplicate finder's precise words of subject。
    # content, the search's words of every text); a ledger's replies repeat their notes.
    tk = default_tokeniser()
    cuts: dict[str, tuple[list[str], list[str]]] = {}

    def both(text: str) -> tuple[list[str], list[str]]:
        if text not in cuts:
            cuts[text] = tk.cut_both(text)
        return cuts[text]

    precise: dict[int, list[str]] = {}
    documents: list[tuple[int, list[str]]] = []
    for p in petitions:
        subject, content = both(p.subject), both(p.content)
        precise[p.pk] = subject[0] + content[0]
        if p.pk not in searched:
            words = subject[1] + content[1]
            for text in replies.get(p.pk, []):
                words += both(text)[1]
            documents.append((p.pk, words))
        if len(cuts) > 5000:
            cuts.clear()
    petitions_text_index_bulk([p for p in petitions if p.pk not in texts], precise)
    petitions_search_words_bulk(documents)
    return len(petitions)
