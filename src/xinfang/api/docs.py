"""The API's schema and Swagger UI, for signed-in staff only (SERVE_PERMISSIONS): the schema
maps every endpoint and parameter. A browser without a session is sent to the login page
and back; a client without a token gets the API's 401 body."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions


class DocsView(SpectacularSwaggerSplitView):
    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
