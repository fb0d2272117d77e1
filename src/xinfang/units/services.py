"""Writes to the organisation tree and staff memberships."""

from __future__ import annotations

from django.db import transaction

from xinfang.core.errors import ValidationFailed
from xinfang.units.models import Membership, Role, Staff, Unit


@transaction.atomic
def unit_create(
    *, parent: Unit | None, name: str, code: str, kind: str, actor: Staff | None = None
) -> Unit:
    """Add a unit under parent (or as a root when parent is None).

    Raises:
        ValidationFailed: the code is taken or the kind is unknown.
    """
    if kind not in Unit.Kind.values:
        raise ValidationFailed(f"未知的单位类型：{kind}", {"field": "kind"})
    if not code or Unit.objects.filter(code=code).exists():
        raise ValidationFailed(f"单位代码“{code}”为空或已被使用。", {"field": "code"})
    fields = {"name": name, "code": code, "kind": kind}
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(parent, fields)


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
    actor: Staff | None = None,
) -> Staff:
    """Create a staff account.

    Raises:
        ValidationFailed: the username is taken.
    """
    if Staff.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名“{username}”已被使用。", {"field": "username"})
    staff = Staff(
        username=username,
        full_name=full_name,
        phone=phone,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    staff.set_password(password)
    staff.save()
    return staff


@transaction.atomic
def membership_grant(
    *, staff: Staff, unit: Unit, role: str, actor: Staff | None = None
) -> Membership:
    """Give staff a role in unit; granting a role already held returns the existing one.

    Raises:
        ValidationFailed: the role is unknown.
    """
    if role not in Role.values:
        raise ValidationFailed(f"未知的角色：{role}", {"field": "role"})
    membership, _ = Membership.objects.get_or_create(staff=staff, unit=unit, role=role)
    return membership
