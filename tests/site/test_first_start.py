"""The first start: `serve` serves at once while the demo loads in the background, every page
says so until it is done, and a load stopped mid-way is cleared and loaded again."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client

from tests.clock import at
from xinfang.demo import petitions as demo
from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.demo.status import demo_load_done, demo_load_mark, demo_load_status
from xinfang.demo.units import demo_organisation_ensure
from xinfang.petitions.models import Petition

NOW = at(2026, 3, 10, 15, 30)
BANNER = "演示数据正在载入"


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **OUT)
    return int(done.stdout)


OUT = {"capture_output": True, "text": True, "check": True}


@pytest.fixture
def status():
    yield
    demo_load_done()


def test_every_page_says_the_demo_is_loading_until_it_is_done(db, status, dc_leader):
    demo_load_mark(pid=os.getpid(), step=2, steps=6, label="演示信访件：已生成 120/400")
    staff = Client()
    staff.force_login(dc_leader)
    for client, path in ((Client(), "/accounts/login/"), (Client(), "/portal/"), (staff, "/")):
        page = client.get(path).content.decode()
        assert BANNER in page and "第 2/6 步：演示信访件：已生成 120/400" in page, path
    demo_load_done()
    assert BANNER not in staff.get("/").content.decode()


def test_a_load_whose_process_is_gone_shows_no_banner(db, status):
    demo_load_mark(pid=dead_pid(), step=2, steps=6, label="演示信访件")
    assert demo_load_status() is not None and not demo_load_status().running
    assert BANNER not in Client().get("/accounts/login/").content.decode()


def test_a_second_load_leaves_a_running_one_alone(db, status):
    demo_load_mark(pid=os.getppid(), step=2, steps=6, label="演示信访件")
    out = io.StringIO()
    call_command("demo", petitions=0, stdout=out)
    assert "正在由进程" in out.getvalue()
    assert not Petition.objects.exists()


@pytest.mark.slow
def test_a_load_stopped_mid_way_is_cleared_and_loaded_again(db, status):
    # What a load killed after its first batches leaves: the accounts, a part of the cases.
    demo_organisation_ensure()
    demo.demo_petitions_create(now=NOW, count=5)
    demo_load_mark(pid=dead_pid(), step=2, steps=6, label="演示信访件：已生成 5/80")
    out = io.StringIO()
    call_command("demo", petitions=80, stdout=out)
    assert "上次载入在中途停止" in out.getvalue()
    assert Petition.objects.filter(idempotency_key__startswith=KEY_PREFIX).count() == 80
    assert demo_load_status() is None
    # Done: a later run adds nothing.
    call_command("demo", petitions=80, stdout=io.StringIO())
    assert Petition.objects.filter(idempotency_key__startswith=KEY_PREFIX).count() == 80


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_shows_the_first_page_while_the_demo_loads_and_logins_work(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "XINFANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "XINFANG_TESTING": "0",
    }
    env.pop("REDIS_URL", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "xinfang.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = _poll(lambda: urllib.request.urlopen(f"{base}/accounts/login/", timeout=5))
        # Served before the demo is in: the banner says it is loading.
        assert BANNER in page
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def login() -> str:
            form = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            data = urlencode(
                {"csrfmiddlewaretoken": token, "username": "dc_handler", "password": "xinfang2026"}
            ).encode()
            request = urllib.request.Request(
                f"{base}/accounts/login/", data, headers={"Referer": f"{base}/accounts/login/"}
            )
            response = opener.open(request, timeout=30)
            assert response.url.rstrip("/") == base, "not logged in yet"
            return response.read().decode()

        assert "张伟" in _poll(login)
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


def _poll(fetch, seconds: float = 240):
    """fetch() until it answers; a generous bound, for a busy machine, not a speed check."""
    give_up = time.monotonic() + seconds
    while True:
        try:
            answer = fetch()
            return answer if isinstance(answer, str) else answer.read().decode()
        except (OSError, AssertionError, AttributeError):
            if time.monotonic() > give_up:
                raise
            time.sleep(0.5)
