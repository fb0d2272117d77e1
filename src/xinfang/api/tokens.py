"""Expiring API tokens: a token taken from a lost laptop or a log stops working by itself.
The lifetime is API_TOKEN_TTL_HOURS (default 24). Kept apart from the views: DRF imports the
authentication class while it loads its own views."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_for(user) -> Token:
    """The user's live token: the current one, or a new one when it has expired."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and token_expires_at(token) <= timezone.now():
            token.delete()
            token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token past its lifetime."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("令牌已过期，请重新获取。")
        return user, token
