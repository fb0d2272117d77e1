import pytest
from django.core.management import CommandError, call_command

from tests.petitions.factories import register
from xinfang.petitions.models import PetitionEvent
from xinfang.workflow import services as wf


@pytest.fixture
def cases(org, dc_registrar, dc_leader, dc_handler):
    made = []
    for _ in range(3):
        p = register(dc_registrar, org.dongcheng)
        wf.petition_accept(petition=p, actor=dc_leader)
        wf.petition_start(petition=p, actor=dc_handler)
        made.append(p)
    return made


def test_it_passes_untouched_histories(cases, capsys):
    call_command("verify_history")
    assert "共校验 3 件，办理过程记录完整" in capsys.readouterr().out


def test_it_names_a_case_whose_event_was_edited(cases, capsys):
    victim = cases[1]
    event = victim.events.get(seq=2)
    PetitionEvent.objects.filter(pk=event.pk).update(data={**event.data, "note": "改过"})
    with pytest.raises(CommandError, match="1 件"):
        call_command("verify_history")
    err = capsys.readouterr().err
    assert victim.tracking_code_display in err and "内容被改动" in err
    assert cases[0].tracking_code_display not in err


def test_it_catches_reordered_and_deleted_events(cases, capsys):
    a, b = cases[0], cases[2]
    # Swap the order of two events of one case.
    e2, e3 = a.events.get(seq=2), a.events.get(seq=3)
    PetitionEvent.objects.filter(pk=e2.pk).update(seq=99)
    PetitionEvent.objects.filter(pk=e3.pk).update(seq=2)
    PetitionEvent.objects.filter(pk=e2.pk).update(seq=3)
    # Delete the newest event of another.
    b.events.get(seq=3).delete()
    with pytest.raises(CommandError, match="2 件"):
        call_command("verify_history")
    err = capsys.readouterr().err
    assert a.tracking_code_display in err and b.tracking_code_display in err


def test_it_names_events_whose_case_is_gone(cases, capsys):
    # The database has no constraint from an event to its case: a case deleted behind the
    # application's back leaves its history, which no walk of the cases would see.
    PetitionEvent.objects.filter(petition=cases[2]).update(petition_id=cases[2].pk + 10_000)
    with pytest.raises(CommandError, match="3 条记录的信访件不存在"):
        call_command("verify_history")
    assert "有 3 条办理过程记录所属的信访件不存在" in capsys.readouterr().err


def test_the_console_script_exits_non_zero(cases):
    # CommandError through the real entry point is a non-zero exit.
    from xinfang.cli import main

    PetitionEvent.objects.filter(pk=cases[0].events.get(seq=1).pk).update(kind="forged")
    with pytest.raises(SystemExit) as exit_info:
        main(["xinfang", "verify-history"])
    assert exit_info.value.code != 0
