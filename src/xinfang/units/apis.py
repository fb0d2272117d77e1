from rest_framework import generics, serializers

from xinfang.units.models import Unit
from xinfang.units.selectors import units_visible_to


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent"]

    def get_parent(self, unit: Unit) -> int | None:
        return self.context["parent_ids"].get(unit.path[: -Unit.steplen])


class UnitListApi(generics.ListAPIView):
    """The units the caller may see, in tree order."""

    serializer_class = UnitSerializer
    pagination_class = None
    filterset_fields = ["kind", "code"]

    def get_queryset(self):
        return units_visible_to(self.request.user).order_by("path")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        # Parents by path in one query rather than one per row.
        context["parent_ids"] = dict(Unit.objects.values_list("path", "id"))
        return context
