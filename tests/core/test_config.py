import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from xinfang.core.config import database_config


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
