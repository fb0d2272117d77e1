from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


class TokenObtainApi(ObtainAuthToken):
    """POST {username, password} → {token}; django-axes counts the failures."""

    permission_classes = [AllowAny]
