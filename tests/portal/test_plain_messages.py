"""The public form's validation is the server's, in Chinese (issue 20, item 10)."""

from __future__ import annotations

import re


def test_the_public_form_validates_on_the_server_in_chinese(client, online):
    page = client.get("/portal/submit/").content.decode()
    form = page.split('action="/portal/submit/"', 1)[1].split(">", 1)[0]
    assert "novalidate" in form  # the browser's own (English) messages never show
    response = client.post("/portal/submit/", {"subject": "长" * 300})
    html = response.content.decode()
    assert "标题最多 100 字（现在 300 字）" in html
    assert "请填写姓名。" in html and "请填写主要诉求和事实理由。" in html
    assert not re.search(r"Ensure this value|This field is required", html)
