"""`POST /api/v1/auth/token/` gives the caller's token (a new one once the old has expired)
with its expiry; `DELETE` revokes it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.tokens import token_expires_at, token_for


class TokenObtainApi(ObtainAuthToken):
    """POST {username, password} → {token, expires_at}; django-axes counts the failures.
    DELETE (authenticated with the token) revokes it."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "TokenOut",
            {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        )
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = self.serializer_class(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        token = token_for(form.validated_data["user"])
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    def delete(self, request: Request, *args, **kwargs) -> Response:
        if not IsAuthenticated().has_permission(request, self):
            raise exceptions.NotAuthenticated()
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
