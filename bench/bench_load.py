"""Load: a district's working hour against 2 gunicorns + 2 Huey workers + PostgreSQL + Redis on
this machine (bench/cluster.py), at 20, 50 and 100 concurrent users (and more until p95 passes
one second, when LOAD_FIND_LIMIT=1).

    python -m bench load        # or: python -m bench bench_load

Each virtual user is a closed loop with think time (0.5-1.5 s): the ledger page (plain and
searched), a case page, a registration through the API, a decision (accept) on a case it
registered, and the public site's pages and lookup. Reports requests/s, p50/p95/p99, errors,
and lost writes: every registration and decision that answered 201/200 is looked for in the
database afterwards.

The load generator is plain threads and `requests` (already installed with schemathesis)
rather than locust: locust would bring gevent and its compiled dependencies for a figure the
same closed loop gives here. The generator shares the machine's 2 cores with the server, so
the figures are a lower bound; the load average is printed beside them.

LOAD_USERS (20,50,100), LOAD_SECONDS (45 a level), LOAD_FIND_LIMIT (0/1).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import requests

from bench.cluster import PASSWORD, Cluster, api, leaf_category, rows, token_for

# Registrars and handlers (no second factor required of them): the staff doing the hour's work.
STAFF = ["dc_registrar", "dc_handler", "cn_registrar", "xc_handler", "dh_handler"]
REGISTRARS = ["dc_registrar", "cn_registrar"]
WEIGHTS = {
    "ledger": 25,
    "ledger_search": 10,
    "case": 25,
    "register": 10,
    "accept": 8,
    "portal": 12,
    "portal_lookup": 10,
}


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    ready: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{kind}: {detail[:200]}")


class User(threading.Thread):
    def __init__(self, n: int, ctx: dict, stats: Stats, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.n, self.ctx, self.stats, self.stop = n, ctx, stats, stop
        self.cluster: Cluster = ctx["cluster"]
        self.base = self.cluster.url(n, "")  # users spread over the gunicorns (the balancer)
        self.username = STAFF[n % len(STAFF)]
        self.registrar = REGISTRARS[n % len(REGISTRARS)]
        self.http = requests.Session()
        self.mine: list[int] = []
        self.rng = random.Random(n)

    def timed(self, kind: str, method: str, path: str, expect=(200,), **kw):
        started = time.perf_counter()
        try:
            r = self.http.request(method, self.base + path, timeout=60, **kw)
            ok = r.status_code in expect
            detail = f"{r.status_code} {path} {r.text[:120]!r}"
        except requests.RequestException as exc:
            r, ok, detail = None, False, f"{type(exc).__name__} {path}"
        self.stats.record(kind, time.perf_counter() - started, ok, detail)
        return r if ok else None

    def login(self) -> None:
        """Sign in once per account and server, shared by the users of that account: the
        password hash costs a CPU-second at this machine's load, not part of the hour's mix."""
        key = (self.username, self.base)
        with self.ctx["login_lock"]:
            cookies = self.ctx["sessions"].get(key)
            if cookies is None:
                self._login()
                self.ctx["sessions"][key] = self.http.cookies.copy()
            else:
                self.http.cookies.update(cookies)

    def _login(self) -> None:
        page = self.http.get(self.base + "/accounts/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.http.post(
            self.base + "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.base + "/accounts/login/"},
            timeout=60,
        )

    def run(self) -> None:
        self.login()
        with self.stats.lock:
            self.stats.ready += 1
        kinds = list(WEIGHTS)
        weights = list(WEIGHTS.values())
        while not self.stop.is_set():
            kind = self.rng.choices(kinds, weights)[0]
            getattr(self, kind)()
            self.stop.wait(self.rng.uniform(0.5, 1.5))

    # -- the hour's work ------------------------------------------------------------------

    def ledger(self) -> None:
        self.timed("ledger", "GET", "/petitions/")

    def ledger_search(self) -> None:
        word = self.rng.choice(["补偿", "拆迁", "工资", "物业", "扶持", "噪音"])
        self.timed("ledger_search", "GET", "/petitions/", params={"q": word})

    def case(self) -> None:
        ids = self.ctx["case_ids"][self.username]
        if ids:
            self.timed("case", "GET", f"/petitions/{self.rng.choice(ids)}/")

    def _api(self) -> dict:
        return {"Authorization": f"Token {self.ctx['tokens'][self.registrar]}"}

    def register(self) -> None:
        marker = f"{self.ctx['run']}-{uuid.uuid4().hex[:10]}"
        body = {
            "channel": "visit",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600)),
            "receiving_unit": self.ctx["units"][self.registrar],
            "subject": f"压测登记 {marker}",
            "content": "小区楼下商铺夜间噪音扰民，多次反映未解决，请求处理。",
            "category": self.ctx["category"],
            "petitioners": [
                {"name": "压测人", "phone": f"139{self.rng.randrange(10**8):08d}", "kind": "other"}
            ],
            "idempotency_key": marker,
        }
        r = self.timed(
            "register", "POST", "/api/v1/petitions/", expect=(201,), json=body, headers=self._api()
        )
        if r is not None:
            with self.stats.lock:
                self.stats.registered.append(marker)
            self.mine.append(r.json()["id"])

    def accept(self) -> None:
        if not self.mine:
            return self.register()
        pk = self.mine.pop()
        r = self.timed(
            "accept", "POST", f"/api/v1/petitions/{pk}/accept/", json={}, headers=self._api()
        )
        if r is not None:
            with self.stats.lock:
                self.stats.accepted.append(pk)

    def portal(self) -> None:
        self.timed(
            "portal",
            "GET",
            self.rng.choice(
                ["/portal/", "/portal/reception-days/", "/portal/answers/", "/portal/units/"]
            ),
        )

    def portal_lookup(self) -> None:
        self.timed("portal_lookup", "GET", "/portal/track/")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def context(cluster: Cluster) -> dict:
    """Tokens from the token endpoint, the registrars' units, case ids each user can open."""
    tokens = {u: token_for(cluster, u) for u in set(STAFF) | set(REGISTRARS)}
    units, case_ids = {}, {}
    for username in tokens:
        status, body = api(
            "GET", cluster.url(0, "/api/v1/petitions/?limit=200"), token=tokens[username]
        )
        case_ids[username] = [p["id"] for p in rows(body)] if status == 200 else []
    for username in REGISTRARS:
        status, body = api("GET", cluster.url(0, "/api/v1/units/"), token=tokens[username])
        name = {"dc_registrar": "东城街道", "cn_registrar": "城南区"}[username]
        units[username] = next(u["id"] for u in rows(body) if u["name"] == name)
    status, cats = api("GET", cluster.url(0, "/api/v1/categories/"), token=tokens["dc_registrar"])
    return {
        "cluster": cluster,
        "tokens": tokens,
        "units": units,
        "case_ids": case_ids,
        "category": leaf_category(rows(cats)),
        "run": uuid.uuid4().hex[:6],
        "sessions": {},
        "login_lock": threading.Lock(),
    }


def level(ctx: dict, users: int, seconds: int) -> dict:
    stats = Stats()
    stop = threading.Event()
    threads = [User(i, ctx, stats, stop) for i in range(users)]
    for t in threads:
        t.start()
        time.sleep(0.02)  # ramp up over a second or two
    # Warm-up: every user signed in, then a few seconds of the mix before measuring.
    waited = time.monotonic()
    while stats.ready < users and time.monotonic() - waited < 600:
        time.sleep(0.5)
    time.sleep(5)
    with stats.lock:
        stats.times.clear()
        stats.errors.clear()
    started = time.monotonic()
    time.sleep(seconds)
    with stats.lock:
        elapsed = time.monotonic() - started
        all_times = [x for v in stats.times.values() for x in v]
        per_kind = {k: (len(v), _pct(v, 95)) for k, v in stats.times.items()}
        errors = sum(stats.errors.values())
    stop.set()
    for t in threads:
        t.join(timeout=70)
    cluster: Cluster = ctx["cluster"]
    registered = set(stats.registered)
    found = 0
    if registered:
        found = int(
            cluster.sql(
                "SELECT count(*) FROM petitions_petition WHERE subject LIKE "
                f"'压测登记 {ctx['run']}-%' AND split_part(subject, ' ', 2) IN ("
                + ",".join(f"'{m}'" for m in registered)
                + ")"
            )
        )
    accepted_found = 0
    if stats.accepted:
        accepted_found = int(
            cluster.sql(
                "SELECT count(DISTINCT petition_id) FROM petitions_petitionevent"
                " WHERE kind='accept' AND petition_id IN ("
                + ",".join(str(p) for p in stats.accepted)
                + ")"
            )
        )
    return {
        "users": users,
        "requests": len(all_times),
        "rps": len(all_times) / elapsed,
        "p50": statistics.median(all_times) if all_times else 0.0,
        "p95": _pct(all_times, 95),
        "p99": _pct(all_times, 99),
        "errors": errors,
        "error_samples": stats.error_samples,
        "writes": len(registered) + len(stats.accepted),
        "lost": (len(registered) - found) + (len(stats.accepted) - accepted_found),
        "per_kind": per_kind,
    }


def main() -> None:
    users_levels = [int(x) for x in os.environ.get("LOAD_USERS", "20,50,100").split(",")]
    seconds = int(os.environ.get("LOAD_SECONDS", "45"))
    cluster = Cluster(web_workers=int(os.environ.get("LOAD_WEB_WORKERS", "2")))
    cluster.prepare()
    cluster.start()
    try:
        ctx = context(cluster)
        print(
            f"2 gunicorn × {cluster.web_workers} workers × {cluster.threads} threads, "
            f"2 Huey workers, PostgreSQL {cluster.database}, Redis db {cluster.redis_db}; "
            f"{sum(len(v) for v in ctx['case_ids'].values())} case ids; {seconds} s a level"
        )
        print(
            f"{'users':>5} {'req':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'errors':>6} {'writes':>6} {'lost':>4}  load avg"
        )
        results = []
        queue = list(users_levels)
        while queue:
            users = queue.pop(0)
            r = level(ctx, users, seconds)
            results.append(r)
            load = os.getloadavg()
            print(
                f"{r['users']:>5} {r['requests']:>6} {r['rps']:>7.1f} {r['p50'] * 1000:>6.0f}ms "
                f"{r['p95'] * 1000:>6.0f}ms {r['p99'] * 1000:>6.0f}ms {r['errors']:>6} "
                f"{r['writes']:>6} {r['lost']:>4}  {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
                flush=True,
            )
            slow = ", ".join(
                f"{k} n={n} p95={p * 1000:.0f}ms" for k, (n, p) in sorted(r["per_kind"].items())
            )
            print(f"      {slow}")
            for sample in r["error_samples"][:3]:
                print(f"      error: {sample}")
            if not queue and os.environ.get("LOAD_FIND_LIMIT") == "1" and r["p95"] < 1.0:
                queue.append(users * 2)
        crossed = next((r["users"] for r in results if r["p95"] >= 1.0), None)
        print(
            f"p95 passes 1 s at {crossed} users"
            if crossed
            else f"p95 stays under 1 s up to {results[-1]['users']} users"
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
