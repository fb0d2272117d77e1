"""Ledger exports in the standard 信访台帐 layout: .xlsx through openpyxl's write-only mode
(rows go to a temporary file as they are read) and .csv streamed as it is read.

Identity numbers and phones are masked unless the reader's role in the case's unit may see
them in full; then each petitioner shown is logged as a reveal (via "export"), as on the
case page. Which cases appear at all is `petitions_visible_to`'s rule: an accusation never
reaches anyone in the accused unit's subtree.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch

from xinfang.audit.models import CaseRead, PersonalDataAccess
from xinfang.audit.reads import case_read_record
from xinfang.audit.services import REVEALING_ROLES
from xinfang.core.crypto import mask_id_number, mask_phone
from xinfang.ledger.fields import FIELD_BY_KEY
from xinfang.petitions.models import Outcome, Petition, PetitionParty, Reply
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_queryset
from xinfang.units.models import Staff
from xinfang.units.selectors import is_small_desk, roles_over
from xinfang.workflow.selectors import ResponsibleLeader, responsible_leaders

CHUNK = 500
# Export-only columns (the import ignores them) around the importable ones.
HEADERS = [
    "序号",
    "查询码",
    *(
        FIELD_BY_KEY[k].headers[0]
        for k in (
            "received_on",
            "channel",
            "names",
            "id_number",
            "phone",
            "address",
            "headcount",
            "subject",
            "content",
            "category",
            "responsible_unit",
            "state",
            "outcome",
            "reply",
            "reply_on",
        )
    ),
    "当前期限",
]
# A small desk's ledger names each case's responsible leader after its unit, as its ledger
# page does (units.selectors.is_small_desk, issue 20).
LEADER_HEADER = "责任领导"
LEADER_AFTER = HEADERS.index(FIELD_BY_KEY["responsible_unit"].headers[0])
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@")


@dataclass
class ExportSummary:
    rows: int = 0
    revealed: int = 0
    show_leader: bool = False
    reader: _Reader | None = None


class _Reader:
    """Per-unit answers to "may this reader see identifiers in full", asked once per unit."""

    def __init__(self, user: Staff) -> None:
        self.user = user
        self._full: dict[int, bool] = {}

    def may_see_full(self, p: Petition) -> bool:
        if self.user.is_superuser:
            return True
        for unit in (p.receiving_unit, p.responsible_unit):
            if unit.pk not in self._full:
                self._full[unit.pk] = bool(roles_over(self.user, unit) & REVEALING_ROLES)
            if self._full[unit.pk]:
                return True
        return False


def _described(f: LedgerFilter) -> str:
    """The export's filter as the read record keeps it: the fields that were set."""
    default = LedgerFilter()
    return "&".join(
        f"{x.name}={getattr(f, x.name)}"
        for x in dataclasses.fields(f)
        if getattr(f, x.name) != getattr(default, x.name)
    )


def ledger_headers(user: Staff) -> list[str]:
    """The export's header row for this reader: with 责任领导 exactly when their ledger page
    shows it (a small desk)."""
    if not is_small_desk(user):
        return list(HEADERS)
    return [*HEADERS[: LEADER_AFTER + 1], LEADER_HEADER, *HEADERS[LEADER_AFTER + 1 :]]


def _leader_text(leader: ResponsibleLeader | None) -> str:
    if leader is None:
        return ""
    return f"{leader.names}（包案）" if leader.is_owner else leader.names


def _in_chunks(qs: Any) -> Iterator[list[Petition]]:
    chunk: list[Petition] = []
    for p in qs.iterator(chunk_size=CHUNK):
        chunk.append(p)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rows(user: Staff, f: LedgerFilter, summary: ExportSummary) -> Iterator[list[Any]]:
    """The export's rows in the order of `ledger_headers(user)`."""
    for chunk in _in_chunks(_cases(user, f, summary)):
        leaders = responsible_leaders(chunk) if summary.show_leader else {}
        for p, row in zip(chunk, _case_rows(user, chunk, summary), strict=True):
            if summary.show_leader:
                row.insert(LEADER_AFTER + 1, _leader_text(leaders.get(p.pk)))
            yield row


def _cases(user: Staff, f: LedgerFilter, summary: ExportSummary) -> Any:
    qs = (
        ledger_queryset(user, f)
        .select_related("receiving_unit", "responsible_unit", "category")
        .prefetch_related(
            Prefetch(
                "parties",
                PetitionParty.objects.filter(role=PetitionParty.Role.PETITIONER)
                .select_related("petitioner")
                .order_by("position"),
            ),
            Prefetch(
                "replies",
                Reply.objects.filter(stage=Reply.Stage.HANDLING, status=Reply.Status.ISSUED),
                to_attr="handling_replies",
            ),
        )
        .order_by("received_at", "id")
    )
    # Recorded before the first row leaves (fail closed, see audit/reads.py): the ids first,
    # one query, then one insert for the whole export.
    ids = list(ledger_queryset(user, f).order_by().values_list("pk", flat=True))
    case_read_record(actor=user, kind=CaseRead.Kind.EXPORT, petition_ids=ids, query=_described(f))
    summary.show_leader = is_small_desk(user)
    return qs


def _case_rows(user: Staff, chunk: list[Petition], summary: ExportSummary) -> list[list[Any]]:
    """One chunk's rows without the leader column, its reveals logged."""
    if summary.reader is None:
        summary.reader = _Reader(user)
    reader = summary.reader
    log: list[PersonalDataAccess] = []
    rows: list[list[Any]] = []
    for p in chunk:
        people = [party.petitioner for party in p.parties.all()]
        full = reader.may_see_full(p)
        if full:
            log.extend(
                PersonalDataAccess(
                    staff=user,
                    petition=p,
                    petitioner=person,
                    fields="id_number,phone",
                    via="export",
                )
                for person in people
            )
        reply = p.handling_replies[-1] if p.handling_replies else None
        summary.rows += 1
        rows.append(
            [
                summary.rows,
                p.tracking_code_display,
                p.received_on,
                p.get_channel_display(),
                "、".join(person.name for person in people),
                "、".join(
                    (person.id_number if full else mask_id_number(person.id_number)) or ""
                    for person in people
                    if person.id_number
                ),
                "、".join(
                    (person.phone if full else mask_phone(person.phone)) or ""
                    for person in people
                    if person.phone
                ),
                people[0].address if people else "",
                p.headcount,
                p.subject,
                p.content,
                p.category.name,
                p.responsible_unit.name,
                p.get_state_display(),
                str(Outcome(reply.outcome).label)
                if reply and reply.outcome in Outcome.values
                else "",
                reply.decision if reply else "",
                reply.delivered_on if reply else None,
                p.due_on,
            ]
        )
    if log:
        summary.revealed += len(log)
        PersonalDataAccess.objects.bulk_create(log)
    return rows


def _csv_cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def ledger_csv_stream(
    user: Staff, f: LedgerFilter, summary: ExportSummary | None = None
) -> Iterable[str]:
    """The ledger as CSV text, a chunk at a time (with a BOM, so Excel reads it as UTF-8)."""
    summary = summary or ExportSummary()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(ledger_headers(user))
    for i, row in enumerate(_rows(user, f, summary), start=1):
        writer.writerow([_csv_cell(v) for v in row])
        if i % 100 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ledger_xlsx_write(
    user: Staff, f: LedgerFilter, out: Any, summary: ExportSummary | None = None
) -> ExportSummary:
    """Write the ledger as .xlsx to `out` (a path or binary file) in write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    summary = summary or ExportSummary()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信访台帐")
    bold = Font(bold=True)
    header = []
    for text in ledger_headers(user):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in _rows(user, f, summary):
        # Plain values: openpyxl writes them through one reused cell (a date gets the
        # yyyy-mm-dd format by itself). Only text it would take for a formula gets a cell of
        # its own, typed as text (no formula injection): a cell object per value cost more
        # than the rest of the export.
        for i, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                row[i] = cell
        ws.append(row)
    wb.save(out)
    return summary


def ledger_xlsx_tempfile(user: Staff, f: LedgerFilter) -> tempfile.SpooledTemporaryFile:
    """The .xlsx in a temporary file (on disk past a few MB), rewound, to be streamed."""
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    ledger_xlsx_write(user, f, spool)
    spool.seek(0)
    return spool
