"""Admins maintain the category tree; codes stay stable once used."""

from __future__ import annotations

import re

from django.db import transaction

from xinfang.core.changes import Kind, config_snapshot, record_config_change
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Category, Line
from xinfang.units.models import Staff
from xinfang.units.services import is_admin

CODE = re.compile(r"^[a-z0-9_.-]{2,64}$")
# What the configuration change log keeps of a category.
LOGGED_FIELDS = ("code", "name", "line", "is_litigation", "is_active")


def _check(actor: Staff, name: str, line: str) -> str:
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以维护问题分类。")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写分类名称（不超过100字）。", {"field": "name"})
    if line not in Line.values:
        raise ValidationFailed("业务条线无效。", {"field": "line"})
    return name


@transaction.atomic
def category_create(
    *,
    actor: Staff,
    parent: Category | None,
    code: str,
    name: str,
    line: str,
    is_litigation: bool = False,
) -> Category:
    """Add a category (under parent, or at the top).

    Raises:
        NotPermitted: the actor is not an admin.
        ValidationFailed: the name is empty, or the code is malformed or taken.
    """
    name = _check(actor, name, line)
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise ValidationFailed(
            "分类代码只能用小写字母、数字、点、下划线和连字符，2至64位。", {"field": "code"}
        )
    if Category.objects.filter(code=code).exists():
        raise ValidationFailed(f"分类代码“{code}”已被使用。", {"field": "code"})
    fields = {"code": code, "name": name, "line": line, "is_litigation": is_litigation}
    if parent is None:
        category = Category.objects.add_root(fields)
    else:
        category = Category.objects.add_child(parent, fields)
    after = config_snapshot(category, LOGGED_FIELDS)
    record_config_change(actor, Kind.CATEGORY, category, None, after)
    return category


@transaction.atomic
def category_update(
    *, actor: Staff, category: Category, name: str, line: str, is_litigation: bool, is_active: bool
) -> Category:
    """Rename a category, change its line or litigation flag, or switch it off (kept for
    the cases that use it).

    Raises:
        NotPermitted: the actor is not an admin.
        ValidationFailed: the name is empty or the line unknown.
    """
    name = _check(actor, name, line)
    before = config_snapshot(category, LOGGED_FIELDS)
    category.name, category.line = name, line
    category.is_litigation, category.is_active = is_litigation, is_active
    category.save()
    after = config_snapshot(category, LOGGED_FIELDS)
    record_config_change(actor, Kind.CATEGORY, category, before, after)
    return category
