"""The history is keyed and checked against the case row and the daily anchors: a case row
changed directly, a chain rebuilt without the key, and a chain rebuilt with the key after an
anchor was taken are all found."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.clock import at
from tests.petitions.factories import register
from xinfang.audit.models import HistoryAnchor
from xinfang.petitions.history import canonical, chain_verify, event_hash, event_payload
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.workflow import services as wf


@pytest.fixture
def three(org, dc_registrar, dc_leader, dc_handler):
    made = []
    for i in range(3):
        p = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2 + i))
        p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2026, 11, 2 + i, 11))
        made.append(wf.petition_start(petition=p, actor=dc_handler, now=at(2026, 11, 2 + i, 12)))
    return made


def _problems(p):
    p = Petition.objects.get(pk=p.pk)
    return chain_verify(p, list(p.events.order_by("seq")))


def test_each_event_records_the_case_version_and_state_after_it(three):
    p = Petition.objects.get(pk=three[0].pk)
    last = p.events.order_by("-seq").first()
    assert last.case_version == p.version and len(last.case_digest) == 64
    assert _problems(p) == []


@pytest.mark.parametrize(
    "change",
    [
        {"state": "concluded"},
        {"conclude_by": date(2027, 6, 30)},
        {"due_on": date(2027, 6, 30)},
        {"version": 99},
    ],
)
def test_a_direct_update_of_a_case_row_is_found(three, capsys, change):
    victim = three[1]
    Petition.objects.filter(pk=victim.pk).update(**change)
    assert any("直接改动" in problem for problem in _problems(victim))
    with pytest.raises(CommandError, match="1 件"):
        call_command("verify_history")
    err = capsys.readouterr().err
    assert victim.tracking_code_display in err and three[0].tracking_code_display not in err


def _rechain(p, key: bytes | None):
    """What someone with database access would do: rewrite an event, then recompute every
    hash after it (with the given key, or with plain SHA-256 as the old scheme did)."""
    prev = ""
    for event in PetitionEvent.objects.filter(petition=p).order_by("seq"):
        event.prev_hash = prev
        if key is None:
            event.hash = hashlib.sha256(canonical(event_payload(event))).hexdigest()
        else:
            event.hash = event_hash(event, key)
        PetitionEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=event.hash)
        prev = event.hash
    Petition.objects.filter(pk=p.pk).update(history_head=prev)


def test_a_chain_rebuilt_without_the_key_is_found(three, capsys):
    victim = three[2]
    event = victim.events.get(seq=2)
    PetitionEvent.objects.filter(pk=event.pk).update(data={**event.data, "note": "事后补记"})
    _rechain(victim, key=None)
    assert any("密钥" in problem for problem in _problems(victim))
    _rechain(victim, key=b"a guessed key that is long enough to pass!")
    assert _problems(victim)
    with pytest.raises(CommandError):
        call_command("verify_history")


def test_a_chain_rebuilt_with_the_key_after_the_anchor_is_found(three, capsys, settings):
    with time_machine.travel(at(2026, 11, 10, 0, 30), tick=False):
        call_command("history_anchor")
    out = capsys.readouterr().out
    anchor = HistoryAnchor.objects.get(day=date(2026, 11, 9))
    assert anchor.digest in out and anchor.cases == 3
    call_command("verify_history")
    assert "与 2026-11-09 的锚点相符" in capsys.readouterr().out
    # Someone with the database and the key rewrites an old event and re-chains it.
    victim = three[0]
    event = victim.events.get(seq=1)
    PetitionEvent.objects.filter(pk=event.pk).update(data={**event.data, "channel": "letter"})
    _rechain(victim, key=settings.HISTORY_KEY.encode())
    assert _problems(victim) == []  # the chain itself verifies...
    with pytest.raises(CommandError, match="锚点不符"):
        call_command("verify_history")  # ... but not against the anchor
    assert "锚点生成后被改动或重建" in capsys.readouterr().err
    # The printed digest shows it too, even if the stored anchors were rewritten as well.
    HistoryAnchor.objects.all().delete()
    with pytest.raises(CommandError, match="摘要不符"):
        call_command("history_anchor", date="2026-11-09", check=anchor.digest)


def test_the_anchor_is_idempotent_and_only_for_finished_days(three, capsys):
    with time_machine.travel(at(2026, 11, 10, 9), tick=False):
        call_command("history_anchor", date="2026-11-09")
        call_command("history_anchor", date="2026-11-09")
        assert HistoryAnchor.objects.count() == 1
        with pytest.raises(CommandError, match="尚未结束"):
            call_command("history_anchor", date="2026-11-10")
        # An earlier day commits only to what existed then.
        call_command("history_anchor", date="2026-11-02")
    early = HistoryAnchor.objects.get(day=date(2026, 11, 2))
    assert early.cases == 1


def test_the_migration_rechains_an_intact_legacy_chain_and_leaves_a_broken_one(three):
    import importlib

    rechain = importlib.import_module(
        "xinfang.petitions.migrations.0008_rechain_history_keyed"
    ).rechain
    from django.apps import apps

    intact, broken = three[0], three[1]
    # Make both chains what the old scheme wrote: plain SHA-256 and no case state.
    for p in (intact, broken):
        PetitionEvent.objects.filter(petition=p).update(case_version=None, case_digest="")
        prev = ""
        for event in PetitionEvent.objects.filter(petition=p).order_by("seq"):
            payload = event_payload(event)
            del payload["case_version"], payload["case_digest"]
            payload["prev"] = prev
            digest = hashlib.sha256(canonical(payload)).hexdigest()
            PetitionEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
            prev = digest
        Petition.objects.filter(pk=p.pk).update(history_head=prev)
    PetitionEvent.objects.filter(petition=broken, seq=1).update(kind="forged")
    rechain(apps, None)
    assert _problems(intact) == []
    assert _problems(broken)
    head = Petition.objects.get(pk=intact.pk).history_head
    assert not hmac.compare_digest(head, "")
