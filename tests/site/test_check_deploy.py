"""`xinfang check --deploy` is clean with the production settings of docs/deployment.md."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "DEBUG": "false",
    "HTTPS": "true",
    "ALLOWED_HOSTS": "xinfang.example.gov.cn",
    "SITE_URL": "https://xinfang.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://xinfang.example.gov.cn",
}


@pytest.mark.slow
def test_it_passes_check_deploy_with_the_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "XINFANG_", "PYTEST")) and k not in PRODUCTION_ENV
    }
    env.update(PRODUCTION_ENV)
    env.update(
        XINFANG_DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEY=secrets.token_hex(32),
        HISTORY_KEY=secrets.token_hex(32),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "xinfang.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout, proc.stdout
    # The keys came from the environment: nothing generated beside the data.
    assert not list((tmp_path / "data").glob("*key*"))


def test_it_warns_without_the_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(XINFANG_DATA_DIR=str(tmp_path / "data"), HTTPS="false", SECURE_COOKIES="false")
    proc = subprocess.run(
        [sys.executable, "-m", "xinfang.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "security.W004" in proc.stderr and "security.W012" in proc.stderr
