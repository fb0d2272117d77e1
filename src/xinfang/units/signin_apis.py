"""API sign-in: `POST /api/v1/auth/token/` issues a named token (the password, and the code for
whoever must give a second factor); `DELETE` revokes the token used. `GET /api/v1/auth/tokens/`
lists the caller's tokens, `DELETE /api/v1/auth/tokens/<id>/` revokes one."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_login_failed
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.models import ApiToken
from xinfang.api.tokens import DEFAULT_TOKEN_NAME, api_token_issue, api_token_revoke, api_tokens_of
from xinfang.core.errors import NotPermitted
from xinfang.units.signin import otp_has_device, otp_must_verify, otp_verify


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp_token = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="动态验证码或恢复码"
    )
    name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="客户端名称，默认 api"
    )


class TokenOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenObtainApi(APIView):
    """POST {username, password, otp_token?, name?} → {token, name, expires_at}. A new token
    replaces the caller's token of the same name. django-axes counts failed passwords and codes."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenIn,
        responses=inline_serializer(
            "TokenIssued",
            {
                "token": serializers.CharField(),
                "name": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
            },
        ),
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = TokenIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = authenticate(
            request=request._request, username=data["username"], password=data["password"]
        )
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["用户名或密码不正确。"]})
        if otp_must_verify(user):
            if not otp_has_device(user):
                raise NotPermitted(
                    "该账号须使用双因素验证：请先在网页上登录并绑定验证器，再获取令牌。"
                )
            code = data.get("otp_token") or ""
            if not code:
                raise exceptions.ValidationError({"otp_token": ["请提供动态验证码。"]})
            if otp_verify(user=user, code=code) is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": data["username"]},
                    request=request._request,
                )
                raise exceptions.ValidationError({"otp_token": ["动态验证码不正确。"]})
        token, key = api_token_issue(user=user, name=data.get("name") or DEFAULT_TOKEN_NAME)
        return Response({"token": key, "name": token.name, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, *args, **kwargs) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated()
        api_token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(APIView):
    """The caller's live tokens (no keys: those were shown once)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(TokenOut(api_tokens_of(request.user), many=True).data)


class TokenRevokeApi(APIView):
    """Revoke one of the caller's tokens."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        if not api_token_revoke(user=request.user, token_id=pk):
            raise exceptions.NotFound("没有这个令牌。")
        return Response(status=status.HTTP_204_NO_CONTENT)
