"""schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS): path ids drawn
from the small range the demo's objects have, so requests reach the code behind the 404."""

from __future__ import annotations

import os

import schemathesis

ID_MAX = int(os.environ.get("FUZZ_ID_MAX", "300"))


@schemathesis.hook
def before_load_schema(ctx, raw_schema: dict) -> None:
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                if param.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=1, maximum=ID_MAX)
