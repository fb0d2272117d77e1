import factory
from factory.django import DjangoModelFactory

from xinfang.units.models import Membership, Staff, Unit

factory.Faker._DEFAULT_LOCALE = "zh_CN"


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = Staff
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    full_name = factory.Faker("name")
    phone = factory.Faker("phone_number")
    password = factory.django.Password("pw")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    staff = factory.SubFactory(StaffFactory)
    role = "handler"


def unit_tree(spec: dict, parent: Unit | None = None) -> dict[str, Unit]:
    """Build units from {code: (name, kind, {children})}; returns every unit by code."""
    made: dict[str, Unit] = {}
    for code, (name, kind, children) in spec.items():
        fields = {"code": code, "name": name, "kind": kind}
        if parent is None:
            unit = Unit.objects.add_root(fields)
        else:
            unit = Unit.objects.add_child(parent, fields)
        made[code] = unit
        made.update(unit_tree(children, unit))
    return made
