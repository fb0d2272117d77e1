"""What `make run` prints (issue 20, item 11): where it really serves, one line for the key
files of a first run, and no traceback for an ordinary 403."""

from __future__ import annotations

import logging
import socket
import warnings

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from xinfang.core import config
from xinfang.core.config import generated_secrets_note, secret_from_data_dir
from xinfang.site.webserver import served_urls


def _log_failed_request(caplog, message: str, status: int, exc: Exception) -> None:
    """Log a request that raised `exc` as Django's handler does."""
    request = RequestFactory().get("/petitions/1/accept/")
    try:
        raise exc
    except type(exc) as raised:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            log_response(
                message,
                request.path,
                response=HttpResponse(status=status),
                request=request,
                exception=raised,
            )


def test_an_ordinary_403_logs_one_line_without_its_traceback(caplog):
    forbidden = PermissionDenied("您没有权限进行这项操作。")
    _log_failed_request(caplog, "Forbidden (Permission denied): %s", 403, forbidden)
    (record,) = caplog.records
    assert "Forbidden" in record.getMessage() and record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    _log_failed_request(caplog, "Internal Server Error: %s", 500, ValueError("boom"))
    assert "Traceback" in caplog.text and "boom" in caplog.text


def test_a_generated_key_is_noted_in_one_chinese_line_not_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "GENERATED_SECRETS", [])
    assert generated_secrets_note() == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would fail here
        secret_from_data_dir(tmp_path, "secret_key", lambda: "s" * 50)
        secret_from_data_dir(tmp_path, "history_key", lambda: "ab" * 32)
        secret_from_data_dir(tmp_path, "history_key", lambda: "cd" * 32)  # kept: not again
    note = generated_secrets_note()
    assert "secret_key、history_key" in note and str(tmp_path) in note
    assert "\n" not in note


class _Listener:
    def __init__(self, address) -> None:
        self.address = address

    def getsockname(self):
        return self.address

    def __str__(self) -> str:
        return f"unix:{self.address}"


def test_the_banner_names_the_address_really_bound():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # "port 0": the system picks; the banner says which
        port = s.getsockname()[1]
        assert served_urls([s]) == [f"http://127.0.0.1:{port}/"]
    assert served_urls([_Listener(("0.0.0.0", 8000))]) == [
        "http://127.0.0.1:8000/（本机所有网络地址均可访问）"
    ]
    assert served_urls([_Listener(("::1", 8000, 0, 0))]) == ["http://[::1]:8000/"]
    assert served_urls([_Listener("/run/xinfang.sock")]) == ["unix:/run/xinfang.sock"]
