"""Sign-in pages: the login (with attempts left before a lockout), the second factor (verify,
enrol with a QR code drawn here, recovery codes), the account's security page and "我的令牌"."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.api.tokens import api_token_issue, api_token_revoke, api_tokens_of
from xinfang.core.bounds import parse_pk
from xinfang.core.errors import DomainError
from xinfang.core.throttle import cooloff_minutes
from xinfang.units.middleware import OTP_CHECKED_KEY, session_times_start
from xinfang.units.signin import (
    is_demo_device,
    otp_has_device,
    otp_must_verify,
    otp_required_for,
    otp_verify,
    qr_svg,
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_secret,
    totp_uri,
)

EXPIRED_MESSAGES = {
    "idle": "长时间未操作，已自动退出，请重新登录。",
    "absolute": "登录已超过有效时间，已自动退出，请重新登录。",
}


class SignInForm(AuthenticationForm):
    """Django's login form, saying how many attempts are left before the account is locked."""

    def get_invalid_login_error(self) -> ValidationError:
        found = getattr(self.request, "xf_failures", None)
        message = "用户名或密码不正确。"
        if found is not None and found.remaining > 0:
            message += f"再输错 {found.remaining} 次，该账号将被锁定 {cooloff_minutes()} 分钟。"
        return ValidationError(message, code="invalid_login")


def _next_url(request: HttpRequest, default: str = "/") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class SignInView(LoginView):
    """Password first; then, for whoever must give a second factor, the code (or enrolment)."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired_message"] = EXPIRED_MESSAGES.get(self.request.GET.get("expired", ""))
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["lock_minutes"] = cooloff_minutes()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        session_times_start(self.request)
        if otp_must_verify(user):
            name = "signin:otp-verify" if otp_has_device(user) else "signin:otp-enrol"
            return redirect(_with_next(name, self.get_success_url()))
        return response


class CodeForm(forms.Form):
    code = forms.CharField(label="动态验证码", max_length=20)


def _code_failed(request: HttpRequest) -> None:
    # A wrong code counts against the account like a wrong password (django-axes), so the
    # six digits cannot be guessed at leisure once the password is known.
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.get_username()}, request=request
    )


def _verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    request.session.pop(OTP_CHECKED_KEY, None)


@login_required
def otp_verify_page(request: HttpRequest) -> HttpResponse:
    """The second step of the sign-in: a code from the authenticator or a recovery code."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not otp_has_device(user):
        return redirect(_with_next("signin:otp-enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(next_url)
        _code_failed(request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return redirect(reverse("login"))  # the lockout page comes from axes' middleware
        form.add_error("code", "验证码不正确，请重新输入（恢复码也可以）。")
    demo_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "registration/otp_verify.html",
        {
            "form": form,
            "next": next_url,
            "demo_code": (
                f"{totp(demo_device.bin_key):06d}" if is_demo_device(demo_device) else None
            ),
        },
    )


@login_required
def otp_enrol_page(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator: scan the QR code (or type the key), confirm with its first code;
    the recovery codes are shown once, at the end."""
    user = request.user
    next_url = _next_url(request, default=reverse("signin:security"))
    if otp_has_device(user) and not user.is_verified():
        # Re-enrolling needs the current factor first: a password alone must not replace it.
        return redirect(_with_next("signin:otp-verify", request.get_full_path()))
    error = ""
    if request.method == "POST":
        device_id = parse_pk(request.POST.get("device"))
        try:
            device, codes = totp_enrol_confirm(
                user=user, device_id=device_id or 0, code=request.POST.get("code", "")
            )
        except DomainError as exc:
            error = exc.message
            if device_id is not None:
                _code_failed(request)
                if getattr(request, "axes_locked_out", False):
                    logout(request)
                    return redirect(reverse("login"))
        else:
            _verified(request, device)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": next_url, "enrolled": True},
            )
    device = totp_enrol_start(user=user)
    return render(
        request,
        "registration/otp_enrol.html",
        {
            "device": device,
            # In groups of four, easier to type into an app by hand.
            "secret": " ".join(re.findall(".{1,4}", totp_secret(device))),
            "qr": qr_svg(totp_uri(device)),
            "error": error,
            "next": next_url,
            "required": otp_required_for(user),
        },
    )


@login_required
def security_page(request: HttpRequest) -> HttpResponse:
    """The account's second factor: its state, re-binding, new recovery codes."""
    user = request.user
    return render(
        request,
        "registration/security.html",
        {
            "has_device": otp_has_device(user),
            "required": otp_required_for(user),
            "codes_left": recovery_codes_left(user),
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        },
    )


@login_required
@require_POST
def recovery_codes_page(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not otp_has_device(request.user):
        messages.error(request, "请先绑定验证器。")
        return redirect("signin:security")
    codes = recovery_codes_regenerate(user=request.user)
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "next": reverse("signin:security"), "enrolled": False},
    )


class TokenForm(forms.Form):
    name = forms.CharField(label="客户端名称", max_length=50)


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """我的令牌: the user's API tokens, one per client; issue a new one (shown once), revoke."""
    user = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_issue(user=user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "registration/tokens.html",
        {
            "tokens": api_tokens_of(user),
            "form": form,
            "new_key": new_key,
            "ttl_hours": settings.API_TOKEN_TTL_HOURS,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, "令牌已吊销，使用它的客户端需要重新获取令牌。")
    else:
        messages.error(request, "没有这个令牌（可能已被吊销或已过期）。")
    return redirect("signin:tokens")
