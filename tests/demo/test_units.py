from django.core.management import call_command

from xinfang.units.models import Membership, Staff, Unit


def counts() -> tuple[int, int, int]:
    return Unit.objects.count(), Staff.objects.count(), Membership.objects.count()


def test_it_creates_the_demo_organisation_once(db, capsys):
    call_command("demo", petitions=0)
    first = counts()
    call_command("demo", petitions=0)
    assert counts() == first
    out = capsys.readouterr().out
    assert "新建单位 0 个，账号 0 个" in out
    for username in (
        "admin",
        "dc_registrar",
        "dc_handler",
        "dc_leader",
        "xc_handler",
        "district_supervisor",
        "informant_1",
    ):
        assert username in out
        assert Staff.objects.filter(username=username).exists()


def test_it_builds_the_units_the_scenarios_need(db):
    call_command("demo", petitions=0)
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == set(Unit.Kind.values)
    district = Unit.objects.get(code="LJ-CN")
    groups = Unit.objects.get_descendants(district).filter(kind=Unit.Kind.GROUP)
    assert groups.count() == 53
    dongcheng = Unit.objects.get(name="东城街道")
    informant = Staff.objects.get(username="informant_1").memberships.get()
    assert informant.unit.path.startswith(dongcheng.path)


def test_it_starts_over_with_reset(db):
    call_command("demo", petitions=0)
    Unit.objects.filter(code="LJ-CB").update(name="改过的名字")
    call_command("demo", reset=True, petitions=0)
    assert Unit.objects.get(code="LJ-CB").name == "城北区"
    # Every account, though they share one hash.
    assert all(s.check_password("xinfang2026") for s in Staff.objects.all())


def test_demo_leaders_have_the_published_authenticator_and_see_its_code(client, db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xinfang.units.signin import is_demo_device, otp_has_device

    call_command("demo", petitions=0)
    for username in ("admin", "dc_leader", "district_supervisor"):
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed and is_demo_device(device)
    assert not otp_has_device(Staff.objects.get(username="dc_registrar"))
    response = client.post("/accounts/login/", {"username": "dc_leader", "password": "xinfang2026"})
    assert "/accounts/otp/verify/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="demo-otp"' in page
    # An authenticator enrolled by its owner never shows its code.
    TOTPDevice.objects.filter(user__username="dc_leader").update(name="验证器")
    assert 'id="demo-otp"' not in client.get(response["Location"]).content.decode()
