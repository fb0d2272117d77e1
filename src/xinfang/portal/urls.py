"""The public site under /portal/ and Open311 GeoReport v2 under /open311/v2/.

Included at the site root, so every path carries its prefix.
"""

from django.urls import path, re_path

from xinfang.portal.open311 import views as open311
from xinfang.portal.views import manage, public, staff

app_name = "portal"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    path("portal/", public.home, name="home"),
    path("portal/submit/", public.submit, name="submit"),
    path("portal/submitted/", public.submitted, name="submitted"),
    path("portal/track/", public.track, name="track"),
    path("portal/track/case/", public.case, name="case"),
    path("portal/track/rate/", public.rate, name="rate"),
    path("portal/track/review/", public.review, name="review"),
    path("portal/track/end/", public.track_end, name="track_end"),
    path("portal/reception-days/", public.reception_days, name="reception_days"),
    path("portal/answers/", public.answers, name="answers"),
    path("portal/answers/<int:pk>/", public.answer_detail, name="answer_detail"),
    path("portal/units/", public.units, name="units"),
    path("portal/privacy/", public.privacy, name="privacy"),
    # Staff side: a rating taken down for the petitioner, from the case page.
    path("petitions/<int:pk>/rating/", staff.rating_record, name="staff_rating"),
    path(
        "petitions/<int:pk>/registration-receipt/password/",
        staff.receipt_password,
        name="receipt_password",
    ),
    path("portal/manage/answers/", manage.manage_answers, name="manage_answers"),
    path(
        "portal/manage/answers/new/<int:petition_id>/",
        manage.manage_answer_new,
        name="manage_answer_new",
    ),
    path(
        "portal/manage/answers/<int:pk>/edit/", manage.manage_answer_edit, name="manage_answer_edit"
    ),
    path(
        "portal/manage/answers/<int:pk>/publish/",
        manage.manage_answer_publish,
        name="manage_answer_publish",
    ),
    # Open311 GeoReport v2. Service codes contain dots ("urban.municipal"); the format is the
    # last suffix.
    re_path(rf"^open311/v2/discovery\.{FMT}$", open311.discovery_view, name="open311_discovery"),
    re_path(rf"^open311/discovery\.{FMT}$", open311.discovery_view, name="open311_discovery_root"),
    re_path(rf"^open311/v2/services\.{FMT}$", open311.services_view, name="open311_services"),
    re_path(
        rf"^open311/v2/services/(?P<code>[\w.\-]+)\.{FMT}$",
        open311.service_definition_view,
        name="open311_service",
    ),
    re_path(rf"^open311/v2/requests\.{FMT}$", open311.requests_view, name="open311_requests"),
    re_path(
        rf"^open311/v2/requests/(?P<service_request_id>[^/]+?)\.{FMT}$",
        open311.request_view,
        name="open311_request",
    ),
    re_path(
        rf"^open311/v2/tokens/(?P<token>[^/]+?)\.{FMT}$", open311.token_view, name="open311_token"
    ),
]
