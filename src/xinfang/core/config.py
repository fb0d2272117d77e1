"""Helpers for settings.py: parse DATABASE_URL, keep generated secrets in the data directory.

Kept free of Django model imports so settings.py can use them.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

SQLITE_ENGINE = "django.db.backends.sqlite3"
POSTGRES_ENGINE = "django.db.backends.postgresql"

# WAL lets the web server and the worker read while one writes; busy_timeout makes a
# writer wait for the lock instead of failing at once.
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000; "
    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
)


def database_config(url: str, *, conn_max_age: int = 60) -> dict:
    """Return a Django DATABASES entry for a sqlite:/// or postgres:// URL.

    Raises:
        ImproperlyConfigured: the URL is malformed or names an unsupported engine.
    """
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL is malformed: {url!r}. Expected sqlite:///PATH "
            "or postgres://USER@HOST:PORT/NAME."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {url!r} ({exc})") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}")
    if config["ENGINE"] == SQLITE_ENGINE:
        config["OPTIONS"] = {
            "init_command": SQLITE_INIT,
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        port = config.get("PORT")
        if port not in ("", None) and not str(port).isdigit():
            raise ImproperlyConfigured(f"DATABASE_URL has a bad port: {url!r}")
        config["CONN_MAX_AGE"] = conn_max_age
        config["CONN_HEALTH_CHECKS"] = True
    return config


def secret_from_data_dir(data_dir: Path, name: str, make: Callable[[], str]) -> str:
    """Return the secret kept in data_dir/name, generating and saving it once with a warning."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    warnings.warn(
        f"{name.upper()} was not set: generated one into {path}. Keep and back up this file, "
        "or set the variable in the environment.",
        stacklevel=2,
    )
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_field_key() -> str:
    """A 256-bit key for AES-GCM, hex encoded."""
    return secrets.token_hex(32)
