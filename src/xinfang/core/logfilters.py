"""Logging filters for the console.

Django logs every PermissionDenied (a 403: a handler opening another unit's action, a
registrar trying a leader's step) as a warning with the exception's traceback. An ordinary
403 is the rules working, not a fault: its one line stays, the traceback goes. A 500 keeps
its traceback.
"""

from __future__ import annotations

import logging


class NoTracebackOnForbidden(logging.Filter):
    """Drop the traceback of django.request's 403 records; keep the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
