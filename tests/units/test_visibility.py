from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.units.models import Unit
from xinfang.units.selectors import roles_over, unit_is_visible_to, units_visible_to


def codes(user) -> set[str]:
    return set(units_visible_to(user).values_list("code", flat=True))


def test_it_shows_a_member_their_unit_and_its_subtree_only(org, dc_handler):
    assert codes(dc_handler) == {"LJ-CN-DC", "LJ-CN-DC-DH", "LJ-CN-DC-DH-01"}
    assert not unit_is_visible_to(dc_handler, org.xicheng)
    assert unit_is_visible_to(dc_handler, org.group)


def test_it_shows_the_district_supervisor_both_street_offices(org, district_supervisor):
    seen = codes(district_supervisor)
    assert {"LJ-CN-DC", "LJ-CN-XC", "LJ-CN-DC-DH-01", "LJ-CN-XC-XM"} <= seen
    assert "LJ" not in seen and "LJ-YMB" not in seen and "LJ-CB" not in seen


def test_it_shows_a_sibling_nothing_of_dongcheng(org, xc_handler):
    assert codes(xc_handler) == {"LJ-CN-XC", "LJ-CN-XC-XM"}


def test_it_unions_the_subtrees_of_several_memberships(org):
    staff = StaffFactory()
    MembershipFactory(staff=staff, unit=org.donghu, role="handler")
    MembershipFactory(staff=staff, unit=org.bureau, role="leader")
    MembershipFactory(staff=staff, unit=org.group, role="informant")
    assert codes(staff) == {"LJ-CN-DC-DH", "LJ-CN-DC-DH-01", "LJ-YMB"}


def test_it_shows_nothing_to_a_user_without_memberships(org):
    assert codes(StaffFactory()) == set()


def test_it_shows_everything_to_a_superuser(org):
    root = StaffFactory(is_superuser=True)
    assert codes(root) == set(Unit.objects.values_list("code", flat=True))


def test_it_keeps_several_roles_of_one_person_in_one_unit(org):
    staff = StaffFactory()
    for role in ("registrar", "handler", "leader"):
        MembershipFactory(staff=staff, unit=org.dongcheng, role=role)
    assert roles_over(staff, org.dongcheng) == {"registrar", "handler", "leader"}


def test_it_lets_leaders_and_supervisors_reach_down_but_not_handlers(org):
    staff = StaffFactory()
    MembershipFactory(staff=staff, unit=org.district, role="supervisor")
    MembershipFactory(staff=staff, unit=org.district, role="handler")
    assert roles_over(staff, org.group) == {"supervisor"}
    assert roles_over(staff, org.district) == {"supervisor", "handler"}
    assert roles_over(staff, org.bureau) == set()
