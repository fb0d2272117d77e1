"""The demo's ledger import: done once through the import service, and gone with a reset."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

from xinfang.audit.selectors import histories_verify
from xinfang.demo import petitions as demo
from xinfang.demo.ledger import FILE_NAME, ROWS, demo_ledger_create, demo_ledger_delete
from xinfang.demo.units import demo_organisation_ensure
from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.petitions.models import Petition, PetitionEvent

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_imports_its_ledger_once_and_forgets_it_with_the_demo_cases(db):
    demo_organisation_ensure()
    assert demo_ledger_create(now=NOW, stdout=StringIO()) == ROWS
    record = LedgerImport.objects.get(file_name=FILE_NAME)
    assert (
        record.status == LedgerImport.Status.IMPORTED and record.created_by.username == "dc_leader"
    )
    assert record.rows_written == ROWS and not record.file
    assert PetitionEvent.objects.filter(kind="ledger_import").count() == ROWS
    assert Petition.objects.filter(state="concluded").exists()
    assert list(histories_verify()) == []
    assert demo_ledger_create(now=NOW) == 0  # never twice
    assert Petition.objects.count() == ROWS

    assert demo_ledger_delete() == 1
    assert not LedgerRow.objects.exists() and not LedgerImport.objects.exists()
    assert demo.demo_petitions_delete() == ROWS  # the cases of 东城街道 go with the demo's
    assert demo_ledger_create(now=NOW) == ROWS  # and it can be done again
