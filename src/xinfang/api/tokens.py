"""Named, hashed, expiring API tokens.

A staff member holds one token per client (a name: "api", "手机", "台账同步"), each shown once
when issued and stored only as its SHA-256 (a 160-bit random key needs no slow hash). A token
stops working when it expires (API_TOKEN_TTL_HOURS, default 24), when it is revoked (from the
"我的令牌" page or `DELETE /api/v1/auth/token[s]/`), when its owner's password changes (the token
carries a stamp of the password it was issued under) and when the account is disabled; the
last two are found on use and delete every token of that user, whichever path changed the
password (the admin, `changepassword`, the password form).

Clients keep sending `Authorization: Token <key>`, as with DRF's authtoken before.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from xinfang.api.models import ApiToken
from xinfang.core.db import PreparedValues

DEFAULT_TOKEN_NAME = "api"
# A token's last use is written at most this often (not on every request).
LAST_USED_EVERY = timedelta(minutes=5)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_stamp(user) -> str:
    """A keyed digest of the user's current password hash (Django's session auth hash)."""
    return user.get_session_auth_hash()


def token_valid_for_user(token: ApiToken, user) -> bool:
    """Whether the token still belongs to a live account with the password it was issued under."""
    return user.is_active and constant_time_compare(token.password_stamp, password_stamp(user))


def api_token_issue(*, user, name: str = DEFAULT_TOKEN_NAME, now=None) -> tuple[ApiToken, str]:
    """Issue a new token named `name` for the user, replacing one of that name; returns the
    token and its key (shown once, never stored)."""
    now = now or timezone.now()
    name = (name or DEFAULT_TOKEN_NAME).strip()[:50] or DEFAULT_TOKEN_NAME
    key = secrets.token_hex(20)
    with transaction.atomic():
        ApiToken.objects.filter(user=user, name=name).delete()
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=key_hash(key),
            prefix=key[:8],
            password_stamp=password_stamp(user),
            created_at=now,
            expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
    return token, key


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it was not theirs or already gone."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def api_tokens_revoke_all(*, user) -> int:
    """Revoke every token of the user (a changed password, a disabled account)."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_tokens_of(user, now=None) -> QuerySet[ApiToken]:
    """The user's live tokens, newest first; tokens left over from an earlier password or
    past their expiry are deleted first."""
    now = now or timezone.now()
    tokens = ApiToken.objects.filter(user=user)
    stale = [t.pk for t in tokens if not token_valid_for_user(t, user)]
    if stale:
        ApiToken.objects.filter(pk__in=stale).delete()
    tokens.filter(expires_at__lte=now).delete()
    return ApiToken.objects.filter(user=user).order_by("-created_at")


# What authentication reads of a token; the rest of its fields load if asked for.
_TOKEN_FIELDS = ("id", "user_id", "password_stamp", "expires_at", "last_used_at")


def _user_fields() -> list:
    return ApiToken._meta.get_field("user").related_model._meta.concrete_fields


def _token_user_values(hashes: list[str]) -> QuerySet:
    users = [f"user__{field.name}" for field in _user_fields()]
    return ApiToken.objects.filter(key_hash=hashes[0]).values(*_TOKEN_FIELDS, *users)


# Every API call asks for its token and user: one statement compiled once (core.db).
_TOKEN_USER = PreparedValues(_token_user_values)


def _token_with_user(key: str) -> ApiToken | None:
    """The token of this key with its user loaded, as select_related("user") gives it."""
    found = _TOKEN_USER.rows([key_hash(key)])
    if not found:
        return None
    values, db = found[0], ApiToken.objects.db
    fields = _user_fields()
    user = fields[0].model.from_db(
        db, [f.attname for f in fields], [values[f"user__{f.name}"] for f in fields]
    )
    token = ApiToken.from_db(db, list(_TOKEN_FIELDS), [values[name] for name in _TOKEN_FIELDS])
    token.user = user
    return token


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, looked up by the key's hash; refuses an expired token and
    revokes every token of a user whose password changed or whose account was disabled."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = _token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效。")
        user = token.user
        if not token_valid_for_user(token, user):
            api_tokens_revoke_all(user=user)
            raise exceptions.AuthenticationFailed(
                "令牌已失效（密码已更改或账号已停用），请重新获取。"
            )
        now = timezone.now()
        if token.expires_at <= now:
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新获取。")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token
