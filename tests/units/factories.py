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
    if parent is None and not Unit.objects.exists():
        return _unit_tree_inserted(spec)
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


def _unit_tree_inserted(spec: dict) -> dict[str, Unit]:
    """The rows add_root and add_child make in an empty table (the n-th child's step is n),
    in one insert: the organisation of tests/conftest.py is built before most tests, and
    treebeard's ~5 queries a unit were ~25 ms of each on PostgreSQL."""
    from xinfang.core.memo import memo_clear

    rows: list[Unit] = []

    def build(spec: dict, parent: Unit | None) -> None:
        for step, (code, (name, kind, children)) in enumerate(spec.items(), 1):
            depth = parent.depth + 1 if parent else 1
            path = Unit._get_path(parent.path if parent else None, depth, step)
            unit = Unit(code=code, name=name, kind=kind, path=path, depth=depth)
            unit.numchild = len(children)
            if parent is not None:
                unit._cached_parent_obj = parent
            rows.append(unit)
            build(children, unit)

    build(spec, None)
    Unit.objects.bulk_create(rows)
    memo_clear()  # as the signal after each save does
    return {unit.code: unit for unit in rows}
