"""The record of who read what: one row per request that showed cases with personal data.

Where a request comes from (address, browser) is taken once by `ReadOriginMiddleware` and
kept for the request, so a service deep in an export records it without being handed the
request.

Failure policy (fail closed): the row is written before the data leaves the server, in the
request's own database connection, and an error writing it is not caught. A read whose
record cannot be written fails (the database middleware answers 503) instead of being served
unrecorded: a reader may retry, an unrecorded read cannot be recovered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from xinfang.audit.models import CaseRead
from xinfang.core.crypto import mask_id_number, mask_phone
from xinfang.core.http import client_ip
from xinfang.units.models import Staff

USER_AGENT_CHARS = 120
QUERY_CHARS = 500


@dataclass(frozen=True)
class Origin:
    path: str = ""
    ip: str = ""
    user_agent: str = ""
    via: str = CaseRead.Via.JOB


NO_ORIGIN = Origin()
_origin: ContextVar[Origin | None] = ContextVar("read_origin", default=None)


def origin_of(request: HttpRequest) -> Origin:
    """Where a request came from, as the read record keeps it."""
    path = request.path
    return Origin(
        path=path[:200],
        ip=client_ip(request)[:64],
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_CHARS],
        via=CaseRead.Via.API if path.startswith("/api/") else CaseRead.Via.WEB,
    )


class ReadOriginMiddleware:
    """Keeps the request's origin for the reads it records (no database work)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _origin.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


# A query of plain pairs (letters, digits, `_.-~`): parsed and encoded again it comes back as
# it was, so one without a person's identifier in it is kept as it is.
_PLAIN_QUERY = re.compile(r"(?:[\w.~-]*=[\w.~-]*(?:&[\w.~-]*=[\w.~-]*)*)?", re.ASCII)


def query_masked(query: str) -> str:
    """The query string with identity numbers and phones masked: the record of a search for
    a person must not become a clear-text copy of their identifiers."""
    if "id_number" not in query and "phone" not in query and _PLAIN_QUERY.fullmatch(query):
        return query
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if "id_number" in key:
            value = mask_id_number(value)
        elif "phone" in key:
            value = mask_phone(value)
        pairs.append((key, value))
    return urlencode(pairs)


def case_read_record(
    *,
    actor: Staff,
    kind: str,
    petition_ids: Iterable[int],
    query: str = "",
    now: datetime | None = None,
) -> CaseRead:
    """Record that `actor` was shown these cases: one insert, whatever their number.

    Raises:
        DatabaseError: the record could not be written; the read must not be served.
    """
    ids = list(dict.fromkeys(int(pk) for pk in petition_ids))
    origin = _origin.get() or NO_ORIGIN
    read = CaseRead(
        staff=actor,
        at=now or timezone.now(),
        kind=kind,
        via=origin.via,
        case_ids="," + ",".join(map(str, ids)) + "," if ids else "",
        cases=len(ids),
        query=query_masked(query)[:QUERY_CHARS],
        path=origin.path,
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
    _insert(read)
    return read


# (vendor) -> (INSERT statement, its fields): compiling Django's insert cost a list page more
# than running it (CaseRead has no signals, no auto_now fields and one row per request).
_INSERTS: dict[str, tuple[str, list]] = {}


def _insert(read: CaseRead) -> None:
    """read.save() for a new row, from a statement compiled once; sets read.pk."""
    vendor = connection.vendor
    found = _INSERTS.get(vendor)
    if found is None:
        meta, quote = CaseRead._meta, connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        if connection.features.can_return_columns_from_insert:
            returning, _ = connection.ops.return_insert_columns([meta.pk])
            sql = f"{sql} {returning}"
        found = _INSERTS[vendor] = (sql, fields)
    sql, fields = found
    params = [f.get_db_prep_save(f.pre_save(read, True), connection) for f in fields]
    # As save() does: an error inside a transaction marks it for rollback.
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.features.can_return_columns_from_insert:
            read.pk = cursor.fetchone()[0]
        else:
            read.pk = connection.ops.last_insert_id(cursor, CaseRead._meta.db_table, "id")
    read._state.adding = False
    read._state.db = connection.alias


class ListReadMixin:
    """For a DRF list view: records the page of cases it returns (one row, their ids) before
    serialising it. The list's query string is kept as the query. A list
    without pagination is not a case list and is not recorded."""

    def paginate_queryset(self, queryset):  # type: ignore[no-untyped-def]
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        ids = [p.pk for p in page] if page is not None else []
        if ids:
            request = self.request  # type: ignore[attr-defined]
            case_read_record(
                actor=request.user,
                kind=CaseRead.Kind.LIST,
                petition_ids=ids,
                query=request.META.get("QUERY_STRING", ""),
            )
        return page
