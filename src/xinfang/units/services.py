"""Writes to the organisation tree and staff memberships."""

from __future__ import annotations

from django.db import transaction

from xinfang.core.changes import Kind, config_snapshot, record_config_change
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import roles_over


def is_admin(actor: Staff) -> bool:
    """True for a superuser or anyone holding the admin role somewhere."""
    return actor.is_superuser or Membership.objects.filter(staff=actor, role=Role.ADMIN).exists()


def _require_admin_over(actor: Staff | None, unit: Unit | None) -> None:
    if actor is None or actor.is_superuser:
        return
    if unit is None or Role.ADMIN not in roles_over(actor, unit):
        raise NotPermitted("只有上级单位的管理员可以维护该单位。")


@transaction.atomic
def unit_create(
    *, parent: Unit | None, name: str, code: str, kind: str, actor: Staff | None = None
) -> Unit:
    """Add a unit under parent (or as a root when parent is None).

    Raises:
        NotPermitted: the actor is not an admin over the parent.
        ValidationFailed: the name is empty, the code is taken or the kind is unknown.
    """
    _require_admin_over(actor, parent)
    name, code = (name or "").strip(), (code or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写单位名称（不超过100字）。", {"field": "name"})
    if kind not in Unit.Kind.values:
        raise ValidationFailed(f"未知的单位类型：{kind}", {"field": "kind"})
    if not code or Unit.objects.filter(code=code).exists():
        raise ValidationFailed(f"单位代码“{code}”为空或已被使用。", {"field": "code"})
    fields = {"name": name, "code": code, "kind": kind}
    if parent is None:
        unit = Unit.objects.add_root(fields)
    else:
        unit = Unit.objects.add_child(parent, fields)
    record_config_change(actor, Kind.UNIT, unit, None, config_snapshot(unit, LOGGED_FIELDS))
    return unit


CONTACT_FIELDS = (
    "hotline",
    "postal_address",
    "reception_place",
    "reception_hours",
    "legal_channel",
    "discipline_channel",
)
# What the configuration change log keeps of a unit.
LOGGED_FIELDS = ("name", "code", "kind", "is_active", "accepts_online", *CONTACT_FIELDS)


@transaction.atomic
def unit_update(
    *,
    actor: Staff,
    unit: Unit,
    name: str,
    kind: str,
    is_active: bool,
    accepts_online: bool,
    contacts: dict[str, str],
) -> Unit:
    """Rename a unit, change its kind, publish its contacts, or switch it off.

    Raises:
        NotPermitted: the actor is not an admin over the unit.
        ValidationFailed: the name is empty, the kind unknown, or it is switched off while a
            unit under it is still in use.
    """
    _require_admin_over(actor, unit)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写单位名称（不超过100字）。", {"field": "name"})
    if kind not in Unit.Kind.values:
        raise ValidationFailed(f"未知的单位类型：{kind}", {"field": "kind"})
    if (
        not is_active
        and Unit.objects.filter(
            path__startswith=unit.path, depth__gt=unit.depth, is_active=True
        ).exists()
    ):
        raise ValidationFailed("请先停用其下级单位。", {"field": "is_active"})
    before = config_snapshot(unit, LOGGED_FIELDS)
    unit.name, unit.kind, unit.is_active, unit.accepts_online = (
        name,
        kind,
        is_active,
        accepts_online,
    )
    for key in CONTACT_FIELDS:
        setattr(unit, key, (contacts.get(key) or "").strip()[:200])
    unit.save()
    record_config_change(actor, Kind.UNIT, unit, before, config_snapshot(unit, LOGGED_FIELDS))
    return unit


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
    actor: Staff | None = None,
    password_hash: str = "",
) -> Staff:
    """Create a staff account. `password_hash`, when given, is a password already hashed
    (make_password) and used instead of `password`: accounts sharing one password (the
    demo's) then cost one slow hash, not one each.

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
    if password_hash:
        staff.password = password_hash
    else:
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
