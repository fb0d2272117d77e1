"""GET /api/v1/notifications/ and marking them read."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import inbox, unread_count
from xinfang.notifications.services import notification_mark_read


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "petition", "created_at", "read_at"]


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("unread", bool)]))
class NotificationListApi(generics.ListAPIView):
    """The caller's notifications, newest first; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset gives the inbox

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in ("1", "true")
        return inbox(self.request.user, unread_only=unread)

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread"] = unread_count(request.user)
        return response


class NotificationReadApi(APIView):
    """POST: mark one notification read."""

    @extend_schema(request=None, responses=MarkedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        changed = notification_mark_read(actor=request.user, notification_id=pk)
        return Response({"marked": changed, "unread": unread_count(request.user)})


class NotificationReadAllApi(APIView):
    """POST: mark all of the caller's notifications read."""

    @extend_schema(request=None, responses=MarkedSerializer)
    def post(self, request: Request) -> Response:
        changed = notification_mark_read(actor=request.user)
        return Response({"marked": changed, "unread": 0})
