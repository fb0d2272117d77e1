"""Helpers for settings.py: parse DATABASE_URL, keep generated secrets in the data directory.

Kept free of Django model imports so settings.py can use them.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

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
    # Created 0600 (never readable by others, not even between write and chmod).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
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


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


def is_local_host(host: str) -> bool:
    """True for a name or address that only this machine reaches."""
    host = (host or "").strip().lower().strip("[]")
    return (
        host in {h.strip("[]") for h in LOOPBACK_HOSTS}
        or host.startswith("127.")
        or host.endswith(".localhost")
    )


def public_site_url(
    site_url: str,
    *,
    debug: bool,
    allowed_hosts: list[str],
    csrf_trusted_origins: list[str],
    secure_cookies: bool,
    port: int = 8000,
) -> str:
    """SITE_URL, the address links in e-mails and Open311 answers point to.

    A site served beyond this machine (DEBUG off and a public host name in ALLOWED_HOSTS, or
    CSRF_TRUSTED_ORIGINS, or secure cookies) must name its public address; on this machine
    alone (`make run`, the demo) the local address is right and is the default.

    Raises:
        ImproperlyConfigured: SITE_URL is missing, malformed or local on a public site.
    """
    site_url = (site_url or "").strip().rstrip("/")
    public = (
        any(not is_local_host(h) for h in allowed_hosts)
        or bool(csrf_trusted_origins)
        or secure_cookies
    )
    if site_url:
        parsed = urlsplit(site_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ImproperlyConfigured(
                f"SITE_URL is malformed: {site_url!r}. Expected https://HOST (the public address)."
            )
    if debug or not public:
        return site_url or f"http://127.0.0.1:{port}"
    if not site_url or is_local_host(urlsplit(site_url).hostname or ""):
        raise ImproperlyConfigured(
            "SITE_URL must be the site's public address (for example "
            "https://xinfang.example.gov.cn) when DEBUG is off and the site is served beyond "
            f"this machine (ALLOWED_HOSTS={allowed_hosts!r}); it is "
            f"{site_url or 'unset'}, and links in e-mails and Open311 answers would point to "
            "this machine."
        )
    return site_url
