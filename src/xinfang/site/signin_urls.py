from django.urls import path

from xinfang.site import signin_views as views

app_name = "signin"

urlpatterns = [
    path("otp/verify/", views.otp_verify_page, name="otp-verify"),
    path("otp/enrol/", views.otp_enrol_page, name="otp-enrol"),
    path("security/", views.security_page, name="security"),
    path("security/recovery-codes/", views.recovery_codes_page, name="recovery-codes"),
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
