"""`make fuzz`: the API against its own OpenAPI schema, with schemathesis.

Loads the demo into a throwaway SQLite database under var/, starts gunicorn on a free port,
takes a token for a registrar, a leader and a supervisor, and runs schemathesis against
/api/v1/schema/ as each of them. Fails on any 5xx or any response that does not match the
schema. Prints the number of requests the server answered and how many were 5xx, counted
from its access log, and the tracebacks of the 5xx from its error log.

Bounded for CI: FUZZ_MAX_EXAMPLES cases per operation (default 25) and FUZZ_MAX_TIME seconds
per account (default 60). FUZZ_PORT picks the port, FUZZ_DEMO_PETITIONS the demo's size
(default 120), FUZZ_SEED the seed, FUZZ_DATABASE_URL an empty database to use instead of
SQLite, FUZZ_KEEP=1 keeps the directory (database, logs, reports) for a look.

Not collected by pytest (no test_ file): run it with `python -m tests.fuzz.run`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The demo accounts (README): one per kind of reader of the API.
ACCOUNTS = ("dc_registrar", "dc_leader", "district_supervisor")
PASSWORD = "xinfang2026"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        XINFANG_DATA_DIR=str(data_dir),
        # FUZZ_DATABASE_URL: an empty database elsewhere (PostgreSQL, say) instead of SQLite.
        DATABASE_URL=os.environ.get("FUZZ_DATABASE_URL")
        or f"sqlite:///{data_dir / 'xinfang.sqlite3'}",
        DEBUG="false",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"服务未能启动（退出码 {server.returncode}），见 gunicorn 日志")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # up, whatever it thinks of its own health
        except OSError:
            time.sleep(0.5)
    raise SystemExit("服务 60 秒内未启动")


def demo_otp_code() -> str:
    """The current code of the authenticator `xinfang demo` enrols for the leaders and
    supervisors (DEMO_TOTP_SECRET, published in the README)."""
    import base64

    from django_otp.oath import totp

    secret = os.environ.get("DEMO_TOTP_SECRET", "XINFANGDEMOTWOZEROTWOSIXAAAAAAAA")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def token(base: str, username: str) -> str:
    # The code is sent for every account; the endpoint ignores it where none is required.
    # Each account is asked once, so a code is never used twice.
    body = {"username": username, "password": PASSWORD, "otp_token": demo_otp_code()}
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def access_log_counts(path: Path) -> tuple[int, Counter, Counter]:
    """(requests, statuses, 5xx by 'METHOD path') from the access log (`status method path`)."""
    statuses: Counter = Counter()
    errors: Counter = Counter()
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        statuses[parts[0]] += 1
        if parts[0].startswith("5"):
            errors[f"{parts[1]} {parts[2]}"] += 1
    return sum(statuses.values()), statuses, errors


def main() -> int:
    max_examples = os.environ.get("FUZZ_MAX_EXAMPLES", "25")
    max_time = os.environ.get("FUZZ_MAX_TIME", "60")
    port = int(os.environ.get("FUZZ_PORT") or free_port())
    (ROOT / "var").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fuzz-", dir=ROOT / "var"))
    env = environment(work)
    base = f"http://127.0.0.1:{port}"
    print(f"==> 演示数据载入 {work}", flush=True)
    petitions = os.environ.get("FUZZ_DEMO_PETITIONS", "120")
    subprocess.run(
        [BIN / "xinfang", "demo", "--petitions", petitions],
        env=env,
        check=True,
        stdout=(work / "demo.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    # The site's error pages use the hashed static files, as under `xinfang serve`.
    subprocess.run([BIN / "xinfang", "collectstatic", "--noinput", "-v0"], env=env, check=True)
    access_log, error_log = work / "access.log", work / "error.log"
    server = subprocess.Popen(
        [
            BIN / "python",
            "-m",
            "gunicorn",
            "xinfang.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--timeout",
            "60",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(s)s %(m)s %(U)s",
            "--error-logfile",
            str(error_log),
        ],
        env=env,
        stderr=subprocess.STDOUT,
        stdout=error_log.open("a"),
    )
    failed = False
    try:
        wait_until_up(base, server)
        print(f"==> 服务已启动 {base}", flush=True)
        for username in ACCOUNTS:
            print(f"\n==> schemathesis 以 {username} 身份", flush=True)
            result = subprocess.run(
                [
                    BIN / "st",
                    "run",
                    f"{base}/api/v1/schema/",
                    "--header",
                    f"Authorization: Token {token(base, username)}",
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    max_examples,
                    "--max-time",
                    max_time,
                    # One worker: hypothesis's lambda descriptions are not thread-safe on 3.11
                    # (an "AST constructor recursion depth mismatch" SystemError).
                    "--workers",
                    "1",
                    "--request-timeout",
                    "30",
                    "--seed",
                    os.environ.get("FUZZ_SEED", "20261103"),
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--no-shrink",
                    "--report",
                    "junit",
                    "--report-dir",
                    str(work / f"report-{username}"),
                    # The token endpoint takes a password; fuzzing it locks the account out.
                    "--exclude-path",
                    "/api/v1/auth/token/",
                    # Revoking tokens by id would revoke the one the run itself uses.
                    "--exclude-path-regex",
                    "^/api/v1/auth/tokens/.+",
                ],
                env={**env, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(ROOT)},
                cwd=work,
            )
            failed |= result.returncode != 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    requests, statuses, errors = access_log_counts(access_log)
    print(f"\n==> 请求 {requests} 次，状态码: {dict(sorted(statuses.items()))}")
    print(f"==> 5xx: {sum(errors.values())}")
    for where, n in errors.most_common(20):
        print(f"    {n:5d}  {where}")
    if errors:
        failed = True
        print(f"\n服务端错误日志: {error_log}")
    if failed:
        print("\n模糊测试发现问题（见上）。目录保留: " + str(work))
        return 1
    if os.environ.get("FUZZ_KEEP") != "1":
        shutil.rmtree(work, ignore_errors=True)
    print("==> 模糊测试通过")
    return 0


if __name__ == "__main__":
    sys.exit(main())
