"""django-csp's middleware with the policy built once: the same header on every response
whose view does not change it."""

from __future__ import annotations

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view's decorators (csp_update, csp_replace, csp_exempt …) set on its response.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_POLICY_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")


@functools.cache
def _policies() -> tuple[tuple[str, str, str], ...]:
    """(header, its policy from the settings, the setting) of the policy and the report-only
    one, as django-csp builds them for a response of no view of its own and no nonce."""
    return (
        (HEADER, build_policy(), "CONTENT_SECURITY_POLICY"),
        (HEADER_REPORT_ONLY, build_policy(report_only=True), "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
    )


@receiver(setting_changed)
def _policy_setting_changed(setting: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if setting in _POLICY_SETTINGS:
        _policies.cache_clear()


class CSPMiddleware(StockCSPMiddleware):
    """django-csp's CSPMiddleware, the settings' policy joined into its header once per
    process instead of for every response (its parts copied and joined again each time cost
    about as much as the security middleware's other headers together). A response whose
    view sets a policy of its own, or whose page used the nonce, gets django-csp's own."""

    def process_response(self, request, response):  # type: ignore[no-untyped-def]
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, policy, setting in _policies():
            if not policy or header in response:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: the nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
