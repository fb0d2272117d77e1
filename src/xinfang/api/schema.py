"""The error body on every operation, so the schema at /api/v1/schema/ describes each answer
the API can give (and `make fuzz` can hold the API to it). The shapes of responses an app's
API builds by hand live with that app's serializers."""

from __future__ import annotations

from typing import Any

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
