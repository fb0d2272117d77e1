"""OpenAPI shapes of the responses the views build by hand, and the error body on every
operation, so the schema at /api/v1/schema/ describes each answer the API can give (and
`make fuzz` can hold the API to it)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class PersonalDataPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField(help_text="petitioner 信访人 / representative 代表")
    name = serializers.CharField()
    id_number = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True)


class PersonalDataSerializer(serializers.Serializer):
    """Full identity numbers and phones; each call is written to the access log."""

    petitioners = PersonalDataPersonSerializer(many=True)


class HistoryReplySerializer(serializers.Serializer):
    stage = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    decision = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(allow_null=True)


class HistoryCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="他单位的信访件为 null")
    tracking_code = serializers.CharField(allow_null=True, help_text="他单位的信访件为 null")
    received_at = serializers.DateTimeField()
    subject = serializers.CharField()
    state = serializers.CharField()
    responsible_unit = serializers.CharField()
    category = serializers.CharField()
    is_open = serializers.BooleanField()
    same_matter = serializers.BooleanField()
    replies = HistoryReplySerializer(many=True)


class PersonHistorySerializer(serializers.Serializer):
    cases = HistoryCaseSerializer(many=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")


# The statuses the error body may come with, on top of what each view documents.
ERROR_STATUSES = {
    "400": "提交的数据有误",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "对象不存在或不可见",
    "405": "不支持该请求方法",
    "406": "无法按要求的格式返回",
    "409": "状态或版本冲突",
    "413": "请求内容过大",
    "415": "不支持的内容类型",
    "429": "请求过于频繁",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "全接口统一的错误内容",
    "properties": {
        "code": {"type": "string", "description": "机器可读的错误代码，如 validation_failed"},
        "message": {"type": "string", "description": "给用户看的中文说明"},
        "extra": {"type": "object", "description": "补充信息，如出错的字段"},
    },
    "required": ["code", "message", "extra"],
}


def error_responses_hook(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Give every operation the error body for the statuses it does not document itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(code, {"description": description, "content": body})
    return result
