"""Several application processes on one PostgreSQL and one Redis, on this machine: what
docs/deployment.md describes for several hosts (each gunicorn would be a host, each Huey
consumer a worker host). Used by deploy/cluster-demo.sh and by bench_load.

    python -m bench.cluster            # start 2 gunicorns + 2 workers, show same data, a job once

Environment: CLUSTER_DATABASE (default xinfang_<user>_cluster), CLUSTER_REDIS_DB (2),
CLUSTER_PORTS (8102,8103), CLUSTER_DIR (var/cluster: keys.env, data dir, logs).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "xinfang2026"


class Cluster:
    """gunicorn processes and Huey consumers sharing one database and one Redis."""

    def __init__(
        self,
        *,
        database: str | None = None,
        redis_db: int | None = None,
        ports: list[int] | None = None,
        consumers: int = 2,
        web_workers: int = 1,
        threads: int = 4,
        directory: Path | None = None,
    ) -> None:
        self.database = database or os.environ.get("CLUSTER_DATABASE", "xinfang_ops_cluster")
        self.redis_db = (
            redis_db if redis_db is not None else int(os.environ.get("CLUSTER_REDIS_DB", "2"))
        )
        self.ports = ports or [
            int(p) for p in os.environ.get("CLUSTER_PORTS", "8102,8103").split(",")
        ]
        self.consumers = consumers
        self.web_workers = web_workers
        self.threads = threads
        self.dir = directory or Path(os.environ.get("CLUSTER_DIR", ROOT / "var" / "cluster"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logs = self.dir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.procs: list[subprocess.Popen] = []

    # -- environment ------------------------------------------------------------------

    def keys(self) -> dict[str, str]:
        """The keys every process shares (on real hosts: the same /etc/xinfang/xinfang.env)."""
        path = self.dir / "keys.env"
        if not path.exists():
            path.write_text(
                f"SECRET_KEY={secrets.token_hex(40)}\n"
                f"FIELD_ENCRYPTION_KEY={secrets.token_hex(32)}\n"
                f"HISTORY_KEY={secrets.token_hex(32)}\n"
            )
            path.chmod(0o600)
        return dict(line.split("=", 1) for line in path.read_text().split() if "=" in line)

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("XINFANG_", "DJANGO_", "PYTEST"))
            and k not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(self.keys())
        env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.database}",
            REDIS_URL=f"redis://127.0.0.1:6379/{self.redis_db}",
            XINFANG_DATA_DIR=str(self.dir / "data"),
            HUEY_NAME=f"xinfang-{self.database}",
            DEMO_MESSAGES="0",
            LOG_LEVEL="WARNING",
            # The load bench signs in hundreds of times from one address.
            AXES_FAILURE_LIMIT="1000",
        )
        return env

    def xinfang(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "-m", "xinfang.cli", *args],
            env=self.env(),
            cwd=ROOT,
            check=check,
            text=True,
            capture_output=True,
            **kw,
        )

    # -- database -----------------------------------------------------------------------

    def prepare(self, *, demo_petitions: int = 40, fresh: bool = False) -> None:
        """Create and migrate the database and load the demo, unless it is there already."""
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAqc"]
        exists = subprocess.run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname='{self.database}'"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists and fresh:
            subprocess.run([*psql, f'DROP DATABASE "{self.database}"'], check=True)
            exists = ""
        if not exists:
            subprocess.run([*psql, f'CREATE DATABASE "{self.database}"'], check=True)
        self.xinfang("migrate", "-v0")
        loaded = self.sql("SELECT count(*) FROM petitions_petition")
        if int(loaded or 0) == 0:
            print(f"载入演示数据（{demo_petitions} 件）……", flush=True)
            self.xinfang("demo", "--petitions", str(demo_petitions))
        self.xinfang("collectstatic", "--noinput", "-v0")

    def sql(self, query: str) -> str:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", self.database, "-tAqc", query],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # -- processes ----------------------------------------------------------------------

    def start(self) -> None:
        # A terminated bench stops its servers and workers too (the finally blocks run).
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
        env = self.env()
        for port in self.ports:
            log = (self.logs / f"gunicorn-{port}.log").open("w")
            self.procs.append(
                subprocess.Popen(
                    [
                        PYTHON,
                        "-m",
                        "gunicorn",
                        "-c",
                        str(ROOT / "deploy" / "gunicorn.conf.py"),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(self.web_workers),
                        "--threads",
                        str(self.threads),
                        "xinfang.wsgi:application",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for i in range(self.consumers):
            log = (self.logs / f"worker-{i + 1}.log").open("w")
            self.procs.append(
                subprocess.Popen(
                    [PYTHON, "-m", "xinfang.cli", "run_huey", "--workers", "2"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 420
        for port in self.ports:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=90) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"gunicorn on {port} did not become ready (see {self.logs})")
                time.sleep(0.5)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    # -- API ----------------------------------------------------------------------------

    def url(self, i: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[i % len(self.ports)]}{path}"


def api(method: str, url: str, body: dict | None = None, token: str | None = None):
    """One JSON request; (status, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def rows(body):
    """The rows of a list answer, paginated (`results`) or whole (units, categories)."""
    return body["results"] if isinstance(body, dict) else body


def leaf_category(categories: list[dict]) -> int:
    parents = {c["parent"] for c in categories}
    return next(c["id"] for c in categories if c["id"] not in parents)


def token_for(cluster: Cluster, username: str, port_index: int = 0) -> str:
    """An API token from the token endpoint (the way a client gets one)."""
    status, body = api(
        "POST",
        cluster.url(port_index, "/api/v1/auth/token/"),
        {"username": username, "password": PASSWORD},
    )
    if status not in (200, 201):
        raise SystemExit(f"token for {username}: {status} {body}")
    return body["token"]


def demo(minutes: int = 2) -> None:
    """Start 2 gunicorns and 2 workers; show they serve the same data and that a periodic job
    (the outbox sweep, every minute) runs once per minute although both workers enqueue it."""
    cluster = Cluster()
    print(f"数据库 {cluster.database}，Redis db {cluster.redis_db}，端口 {cluster.ports}")
    cluster.prepare()
    cluster.start()
    try:
        a, b = 0, 1
        token = token_for(cluster, "dc_registrar", a)
        status, units = api("GET", cluster.url(a, "/api/v1/units/"), token=token)
        dongcheng = next(u for u in rows(units) if u["name"] == "东城街道")
        status, categories = api("GET", cluster.url(a, "/api/v1/categories/"), token=token)
        category = leaf_category(rows(categories))
        received = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
        status, created = api(
            "POST",
            cluster.url(a, "/api/v1/petitions/"),
            {
                "channel": "visit",
                "received_at": received,
                "receiving_unit": dongcheng["id"],
                "subject": "集群演示：两台应用服务器读到同一件信访件",
                "content": "在 A 上登记，在 B 上读取。",
                "category": category,
                "petitioners": [{"name": "演示人", "phone": "13800000000", "kind": "other"}],
            },
            token=token,
        )
        assert status == 201, created
        status, read = api(
            "GET", cluster.url(b, f"/api/v1/petitions/{created['id']}/"), token=token
        )
        same = status == 200 and read["tracking_code"] == created["tracking_code"]
        print(
            f"A(:{cluster.ports[a]}) 登记 {created['tracking_code']}，"
            f"B(:{cluster.ports[b]}) 读到 {read.get('tracking_code')}："
            + ("同一数据" if same else "不一致!")
        )
        print(f"等待 {minutes} 分钟，看每分钟一次的发件箱巡检（outbox_sweep_task）……", flush=True)
        since = cluster.sql("SELECT now()")
        time.sleep(minutes * 60 + 5)
        runs = cluster.sql(
            "SELECT to_char(slot, 'HH24:MI'), host FROM core_periodicrun WHERE "
            f"task='xinfang.core.tasks.outbox_sweep_task' AND started_at >= '{since}' ORDER BY slot"
        ).splitlines()
        per_slot = Counter(r.split("|")[0] for r in runs)
        enqueued = {
            log.name: sum(
                1
                for line in log.read_text().splitlines()
                if "Enqueueing periodic task" in line and "outbox_sweep_task" in line
            )
            for log in sorted(cluster.logs.glob("worker-*.log"))
        }
        print(f"两个 worker 的调度器各自入队：{enqueued}")
        print(
            f"实际运行（每个计划时间）：{dict(per_slot)}；"
            f"运行进程：{sorted({r.split('|')[1] for r in runs})}"
        )
        once = bool(per_slot) and all(n == 1 for n in per_slot.values())
        print("每个计划时间恰好运行一次。" if once else "有计划时间运行了不止一次!")
        if not (same and once):
            raise SystemExit(1)
    finally:
        cluster.stop()


if __name__ == "__main__":
    demo(int(os.environ.get("CLUSTER_MINUTES", "2")))
