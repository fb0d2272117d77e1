import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from xinfang.core.config import database_config, public_site_url


@pytest.mark.parametrize(
    "url",
    ["nonsense", "mysql://u@h/db", "postgres://u@h:port/db", "postgres://u@h:5432/", "postgres://"],
)
def test_it_refuses_a_malformed_database_url(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_config(url)


def test_it_sets_wal_and_a_busy_timeout_on_sqlite():
    config = database_config("sqlite:////tmp/x.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "busy_timeout" in config["OPTIONS"]["init_command"]


def test_it_reads_a_postgres_url():
    config = database_config("postgres://postgres@127.0.0.1:5432/test")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], str(config["PORT"])) == ("test", "127.0.0.1", "5432")


def test_the_console_script_stops_with_a_clear_message_on_a_bad_url(tmp_path):
    env = {**os.environ, "DATABASE_URL": "nonsense", "XINFANG_DATA_DIR": str(tmp_path)}
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(
        [sys.executable, "-m", "xinfang.cli", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_URL is malformed" in result.stderr


def test_it_generates_secrets_once_into_the_data_dir(tmp_path):
    env = {**os.environ, "XINFANG_DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    env.pop("FIELD_ENCRYPTION_KEY", None)
    code = "from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEY)"
    cmd = [sys.executable, "-m", "xinfang.cli", "shell", "-c", code]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "generated one" in first.stderr and "generated one" not in second.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert key == second.stdout.strip().splitlines()[-1] and len(key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


LOCAL = {"allowed_hosts": ["127.0.0.1", "localhost", "[::1]"], "csrf_trusted_origins": []}
PUBLIC = {"allowed_hosts": ["xinfang.example.gov.cn"], "csrf_trusted_origins": []}


def test_on_this_machine_alone_the_local_address_is_the_default():
    assert public_site_url("", debug=False, secure_cookies=False, **LOCAL) == (
        "http://127.0.0.1:8000"
    )
    assert public_site_url("", debug=False, secure_cookies=False, port=8013, **LOCAL) == (
        "http://127.0.0.1:8013"
    )
    assert public_site_url("", debug=True, secure_cookies=True, **PUBLIC).startswith("http://127")


@pytest.mark.parametrize(
    "site_url",
    ["", "http://127.0.0.1:8000", "http://localhost", "https://[::1]/", "http://0.0.0.0"],
)
@pytest.mark.parametrize(
    "public",
    [
        dict(PUBLIC, secure_cookies=False),
        dict(LOCAL, allowed_hosts=["*"], secure_cookies=False),
        dict(LOCAL, csrf_trusted_origins=["https://xinfang.example.gov.cn"], secure_cookies=False),
        dict(LOCAL, secure_cookies=True),
    ],
)
def test_a_public_site_refuses_a_missing_or_local_site_url(site_url, public):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be the site's public address"):
        public_site_url(site_url, debug=False, **public)


def test_a_public_site_keeps_its_public_address():
    assert (
        public_site_url(
            "https://xinfang.example.gov.cn/", debug=False, secure_cookies=True, **PUBLIC
        )
        == "https://xinfang.example.gov.cn"
    )


@pytest.mark.parametrize("site_url", ["xinfang.example.gov.cn", "ftp://x.gov.cn", "https://"])
def test_a_malformed_site_url_is_refused_anywhere(site_url):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL is malformed"):
        public_site_url(site_url, debug=True, secure_cookies=False, **LOCAL)


def _check(tmp_path, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "XINFANG_DATA_DIR": str(tmp_path), **env}
    for name in ("PYTEST_CURRENT_TEST", "SITE_URL", "DEBUG", "ALLOWED_HOSTS"):
        if name not in env:
            full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "xinfang.cli", "check"], env=full, capture_output=True, text=True
    )


def test_a_public_server_will_not_start_without_its_address(tmp_path):
    refused = _check(tmp_path, ALLOWED_HOSTS="xinfang.example.gov.cn")
    assert refused.returncode != 0
    assert "SITE_URL must be the site's public address" in refused.stderr
    started = _check(
        tmp_path, ALLOWED_HOSTS="xinfang.example.gov.cn", SITE_URL="https://xinfang.example.gov.cn"
    )
    assert started.returncode == 0, started.stderr
    # `make run`: DEBUG off, served on this machine only.
    assert _check(tmp_path).returncode == 0
