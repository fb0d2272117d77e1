"""petitions_visible_to builds its query once per set of units (a per-process cache): a
change of membership must still be seen at once, and no caller may share another's rows."""

from __future__ import annotations

from tests.petitions.factories import accuse, register
from tests.units.factories import MembershipFactory
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Membership


def test_a_new_or_ended_membership_changes_what_is_visible_at_once(org, dc_registrar, xc_handler):
    case = register(dc_registrar, org.dongcheng)
    assert not petitions_visible_to(xc_handler).filter(pk=case.pk).exists()
    MembershipFactory(staff=xc_handler, unit=org.dongcheng, role="handler")
    assert petitions_visible_to(xc_handler).filter(pk=case.pk).exists()
    Membership.objects.filter(staff=xc_handler, unit=org.dongcheng).delete()
    assert not petitions_visible_to(xc_handler).filter(pk=case.pk).exists()


def test_an_accusation_is_hidden_from_a_new_member_of_the_accused_unit(
    org, dc_registrar, cn_leader, xc_handler
):
    accused = accuse(
        cn_leader, org.district, org.xicheng, subject="街道干部索要好处费", content="有人索要"
    )
    MembershipFactory(staff=dc_registrar, unit=org.district, role="handler")
    assert petitions_visible_to(dc_registrar).filter(pk=accused.pk).exists()
    # Joining the accused unit hides it, though the visible units are the same as before.
    MembershipFactory(staff=dc_registrar, unit=org.xicheng, role="handler")
    assert not petitions_visible_to(dc_registrar).filter(pk=accused.pk).exists()


def test_each_call_gets_its_own_queryset(org, dc_registrar):
    first = petitions_visible_to(dc_registrar)
    assert list(first) == []  # evaluated: its rows are cached on it, not on the shared one
    case = register(dc_registrar, org.dongcheng)
    assert list(petitions_visible_to(dc_registrar)) == [case]
