from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from xinfang.api.auth import TokenObtainApi
from xinfang.units.apis import UnitListApi

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="token"),
    path("units/", UnitListApi.as_view(), name="units"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
