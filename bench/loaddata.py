"""Bulk data for benchmarks: a throwaway database and many realistic petitions in it, fast.

`database_prepare()` points Django at a database before settings load (a temporary SQLite
file unless DATABASE_URL is set), migrates it and loads the demo organisation.
`bulk_petitions(n)` then adds n petitions spread over the demo units, the categories and the
last 18 months, each with its petitioners, unit links, issued replies where the state calls
for them, and a hash-chained register event, written with bulk_create (COPY on PostgreSQL)
in batches inside transactions. Both work on SQLite and PostgreSQL.

xinfang's models are imported inside functions: a benchmark imports this module before
Django is set up, so that it can choose the database first.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import itertools
import json
import os
import random
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xinfang.petitions.models import Category, Petition
    from xinfang.units.models import Staff, Unit

BATCH = 5000
STEP = 4  # treebeard's step length for Unit paths: the parent's path is 4 characters shorter
DAYS_BACK = 548  # 18 months
# One person in a hundred is a frequent petitioner; together they bring a tenth of the cases.
FREQUENT_PEOPLE = 0.01
FREQUENT_SHARE = 0.1

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅春林海波宁斌浩凯"
    "鑫宇欣怡晨阳瑞雪振东立新德福生"
)
ROADS = (
    "解放路", "人民路", "建设路", "和平街", "东湖路", "桂园路", "龙泉路", "西门街",
    "河西路", "锦绣路", "南湖大道", "白沙路", "石桥路", "青山路", "北关街", "白鹤路",
)  # fmt: skip
REGIONS = ("331002", "331003", "331004", "331021", "331022", "331023")
PERSON_KINDS = {
    "other": 40,
    "farmer": 15,
    "worker": 12,
    "demolished": 8,
    "resettled": 8,
    "retired_cadre": 5,
    "veteran": 4,
    "disabled": 4,
    "student_parent": 4,
}
CHANNELS = {
    "visit": 35,
    "online": 25,
    "phone": 15,
    "letter": 14,
    "mailbox": 6,
    "reception": 3,
    "outreach": 2,
}
# How often each top-level category comes up at a grassroots desk.
CATEGORY_WEIGHTS = {
    "land": 16,
    "urban": 16,
    "labour": 14,
    "civil": 9,
    "environment": 8,
    "resettlement": 6,
    "rural": 6,
    "mining": 4,
    "education": 4,
    "health": 4,
    "enterprise": 3,
    "transport": 3,
    "veterans": 2,
    "discipline": 2,
    "litigation": 2,
    "other": 1,
}
RECEIVING_KINDS = {
    "street": 50,
    "community": 28,
    "district": 8,
    "bureau": 8,
    "enterprise": 3,
    "school": 3,
}
DIFFICULTIES = {"minor": 70, "major": 25, "hard": 5}
OUTCOMES = {"explained": 45, "partly_upheld": 20, "upheld": 15, "not_upheld": 12, "mediated": 8}
REVIEW_OUTCOMES = {"upheld": 80, "changed": 15, "redo": 5}
# Each state's share among cases of an age (days since receipt): young, middle, old.
STATES_BY_AGE: tuple[tuple[int, dict[str, int]], ...] = (
    (15, {"registered": 45, "accepted": 22, "assigned": 15, "forwarded": 3, "acknowledged": 8,
          "declined": 7}),
    (75, {"registered": 3, "accepted": 10, "assigned": 3, "acknowledged": 10, "in_progress": 30,
          "concluded": 38, "declined": 6}),
    (DAYS_BACK + 1, {"in_progress": 2, "concluded": 78, "declined": 6, "review_requested": 2,
                     "review_concluded": 8, "re_review_concluded": 1, "terminated": 3}),
)  # fmt: skip
DETAILS = (
    "多次向有关部门反映，至今没有得到解决。",
    "相关单位答复不明确，群众意见较大。",
    "涉及周边住户二十余户，生活受到影响。",
    "已持续半年以上，情况越来越严重。",
    "曾与对方协商，未能达成一致。",
    "有书面材料和照片为证。",
)
ASKS = (
    "请求有关部门尽快调查处理",
    "请求依法给予合理补偿",
    "请求落实相关政策",
    "请求责令相关单位整改",
    "请求给予书面答复",
)
# Receiving units under these codes are registered by these demo accounts; the longest match
# wins, and units outside them have registrars who are not demo accounts.
REGISTRARS = {
    "LJ-CN-DC": "dc_registrar",
    "LJ-CN-MK": "mine_desk",
    "LJ-CN-SX": "school_desk",
    "LJ-CN": "cn_registrar",
}


@dataclass(frozen=True)
class Person:
    """One generated petitioner, in plaintext, as a registrar would type them in."""

    name: str
    id_number: str
    phone: str
    address: str
    kind: str


def random_mobile(rng: random.Random) -> str:
    """A mainland mobile number."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def random_name(rng: random.Random) -> str:
    """A Chinese name of two or three characters."""
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


def person_of(seed: int, k: int) -> Person:
    """The k-th person of the pool for this seed, the same on every call."""
    from xinfang.petitions.identity import random_id_number

    rng = random.Random(f"{seed}:person:{k}")
    has_id = rng.random() < 0.85
    id_number = random_id_number(rng, region=rng.choice(REGIONS)) if has_id else ""
    if has_id and rng.random() < 0.05:
        phone = ""
    elif rng.random() < 0.92:
        phone = random_mobile(rng)
    else:
        phone = f"0576-8{rng.randrange(10**7):07d}"
    return Person(
        name=random_name(rng),
        id_number=id_number,
        phone=phone,
        address=f"临江市{rng.choice(ROADS)}{rng.randint(1, 300)}号",
        kind=_draw(rng, PERSON_KINDS),
    )


def _draw(rng: random.Random, weights: dict[str, int]) -> str:
    """One key, drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# -- the database ------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDatabase:
    """The database a benchmark runs against."""

    label: str
    vendor: str
    throwaway: bool
    petitions_before: int


_prepared: BenchDatabase | None = None


def database_prepare(*, reuse: bool = False) -> BenchDatabase:
    """Set Django up on a throwaway SQLite file (or DATABASE_URL), migrate, add the demo units.

    The demo organisation's units and accounts are loaded; its petitions are not.

    Raises:
        SystemExit: DATABASE_URL holds petitions already and reuse is false, or Django was set
            up before on a database this function did not choose.
    """
    global _prepared
    if _prepared is not None:
        return _prepared
    import django
    from django.apps import apps

    throwaway = not os.environ.get("DATABASE_URL")
    if throwaway and apps.ready:
        raise SystemExit("bench: Django is already set up; set DATABASE_URL to benchmark it.")
    if throwaway:
        data_dir = Path(tempfile.mkdtemp(prefix="xinfang-bench-"))
        os.environ["XINFANG_DATA_DIR"] = str(data_dir)
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
        # Fresh secrets for a fresh database, and no "generated a key" warnings.
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        os.environ.setdefault("FIELD_ENCRYPTION_KEY", secrets.token_hex(32))
        if not os.environ.get("BENCH_KEEP"):
            atexit.register(_remove_data_dir, data_dir)
    # DEBUG logs every query, which would be measured along with the code.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from xinfang.demo.units import demo_organisation_ensure
    from xinfang.petitions.models import Petition

    before = 0
    if Petition._meta.db_table in connection.introspection.table_names():
        before = Petition.objects.count()
    if before and not reuse:
        raise SystemExit(
            f"bench: {_label(connection)} already holds {before:,} petitions; pass --reuse "
            "(or BENCH_REUSE=1) to benchmark it anyway."
        )
    call_command("migrate", verbosity=0)
    # The throwaway accounts get a fast hasher: hashing their passwords is not under test.
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers = override_settings(PASSWORD_HASHERS=fast) if throwaway else contextlib.nullcontext()
    with hashers:
        demo_organisation_ensure()
    _prepared = BenchDatabase(
        label=_label(connection) + (" (throwaway)" if throwaway else ""),
        vendor=connection.vendor,
        throwaway=throwaway,
        petitions_before=before,
    )
    return _prepared


def _label(connection: Any) -> str:
    """The database's engine, host and name, without credentials."""
    s = connection.settings_dict
    where = f"{s['HOST']}:{s['PORT'] or 5432}/" if s.get("HOST") else ""
    return f"{connection.vendor} {where}{s['NAME']}"


def _remove_data_dir(data_dir: Path) -> None:
    """Close the connections and delete the throwaway data directory."""
    from django.db import connections

    connections.close_all()
    shutil.rmtree(data_dir, ignore_errors=True)


# -- the petitions -----------------------------------------------------------------------


def bulk_petitions(
    n: int,
    *,
    seed: int = 1,
    people: int | None = None,
    now: datetime | None = None,
    texts: list[tuple[str, str]] | None = None,
    first_pk: int | None = None,
    times: list[datetime] | None = None,
    finish: bool = True,
) -> None:
    """Add n realistic petitions received in the 18 months before now, from a pool of people.

    The pool holds `people` persons (n // 3 by default), so people have several cases, and a
    hundredth of them are frequent petitioners. It is the same for a seed on every call, so
    topping a database up in steps keeps adding cases to the same people. Petitions get
    explicit keys (the register event's hash covers the key), so nothing else may write
    petitions during the load.

    `texts`: (subject, content) pairs; case pk then gets `texts[pk % len(texts)]` instead of
    a generated sentence (the real petitions of bench_search, written with the case rather
    than by an UPDATE of every row afterwards). `first_pk` and `times` (sorted, n of them):
    the keys and receipt times of this part of a parallel load (`bulk_petitions_parallel`),
    whose caller moves the sequence and analyses the tables (`finish=False`).

    Raises:
        RuntimeError: the demo organisation is missing.
    """
    from django.db import transaction
    from django.utils import timezone

    from xinfang.petitions.models import Petition

    if n <= 0:
        return
    started = time.perf_counter()
    if first_pk is None:
        first_pk = (Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    generator = _Generator(
        seed=seed,
        people=max(1, people if people is not None else n // 3),
        now=now or timezone.now(),
        stream=first_pk,
    )
    generator.texts = texts or []
    # Cases arrive in time order, as they would have been registered.
    if times is None:
        times = sorted(generator.received_at() for _ in range(n))
    done = 0
    for start in range(0, n, BATCH):
        chunk = times[start : start + BATCH]
        with transaction.atomic():
            generator.write(first_pk + start, chunk)
        done += len(chunk)
        elapsed = time.perf_counter() - started
        print(
            f"  loaded {done:,}/{n:,} petitions in {elapsed:.0f} s ({done / elapsed:,.0f}/s)",
            flush=True,
        )
    if finish:
        _load_finish()


def _load_finish() -> None:
    """Rows were inserted with explicit keys: move PostgreSQL's sequence past them."""
    from django.core.management.color import no_style
    from django.db import connection

    from xinfang.petitions.models import Petition

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Petition]):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ANALYZE petitions_petition, petitions_petitioner, petitions_petitionparty, "
                "petitions_petitionunit, petitions_petitionevent, petitions_reply"
            )


def bulk_petitions_parallel(
    n: int, *, workers: int, texts: list[tuple[str, str]] | None = None, seed: int = 1
) -> None:
    """PostgreSQL: `bulk_petitions` in `workers` forked processes at once (on a shared
    machine one process gets a fraction of a core), each a contiguous range of keys with
    the matching slice of the receipt times, drawn here and sorted, so keys still follow
    time as one load's do; each has its own pool of people (seeds seed, seed+1, …: no two
    processes create the same person). The sessions run without synchronous commits,
    triggers or foreign-key checks, as in `pg_bulk_fill`.

    Raises:
        RuntimeError: a worker failed.
    """
    import multiprocessing

    from django.db import connections
    from django.utils import timezone

    from xinfang.petitions.models import Petition

    if n <= 0:
        return
    first_pk = (Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    now = timezone.now()
    drawer = _Generator(seed=seed, people=1, now=now, stream=first_pk)
    times = sorted(drawer.received_at() for _ in range(n))
    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    processes = []
    size = -(-n // workers)
    for i, start in enumerate(range(0, n, size)):
        part = times[start : start + size]
        process = context.Process(
            target=_load_part,
            args=(first_pk + start, part, seed + i, max(1, len(part) // 3), now, texts),
        )
        process.start()
        processes.append(process)
    for process in processes:
        process.join()
    if any(process.exitcode for process in processes):
        raise RuntimeError("bench: a loading process failed")
    _load_finish()


def _load_part(
    first_pk: int,
    times: list[datetime],
    seed: int,
    people: int,
    now: datetime,
    texts: list[tuple[str, str]] | None,
) -> None:
    """One process of `bulk_petitions_parallel`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")
    bulk_petitions(
        len(times),
        seed=seed,
        people=people,
        now=now,
        texts=texts,
        first_pk=first_pk,
        times=times,
        finish=False,
    )
    connection.close()


def _insert(model: Any, objs: list[Any], *, batch_size: int) -> None:
    """Insert the rows: bulk_create, or COPY on PostgreSQL, which is several times faster.

    Keys the database assigns are not read back, so this is only for rows nothing refers to
    later in the load (petitions carry explicit keys).
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    if not objs:
        return
    # The connection itself, not the thread-local proxy: it is read a million times.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    from psycopg import sql

    explicit_pk = objs[0].pk is not None
    if any((obj.pk is not None) != explicit_pk for obj in objs):
        raise ValueError(f"{model.__name__}: rows with and without keys in one batch")
    fields = [f for f in model._meta.concrete_fields if explicit_pk or not f.primary_key]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    # The values bulk_create would send (auto_now stamps, JSON adaptation, any field's own
    # conversion), except for the plain fields whose Python value psycopg takes as it is.
    plain_types = _plain_field_types()
    plain = [
        type(f) in plain_types and not (getattr(f, "auto_now", 0) or getattr(f, "auto_now_add", 0))
        for f in fields
    ]
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            copy.write_row(
                [
                    getattr(obj, f.attname)
                    if is_plain
                    else f.get_db_prep_save(f.pre_save(obj, True), connection)
                    for f, is_plain in zip(fields, plain, strict=True)
                ]
            )
            obj._state.adding = False
            obj._state.db = connection.alias


def _plain_field_types() -> frozenset[type]:
    """Field classes whose attribute value is what PostgreSQL's driver is given for them."""
    from django.db import models

    return frozenset(
        {
            models.BigAutoField,
            models.BooleanField,
            models.CharField,
            models.DateField,
            models.ForeignKey,
            models.IntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.TextField,
        }
    )


@dataclass
class _Rows:
    """One batch's rows, in insert order."""

    petitions: list[Any] = field(default_factory=list)
    parties: list[Any] = field(default_factory=list)
    links: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    replies: list[Any] = field(default_factory=list)


class _Generator:
    """Draws petitions over the demo organisation and writes them one batch at a time."""

    def __init__(self, *, seed: int, people: int, now: datetime, stream: int) -> None:
        """Read the units, categories, registrars and deadline rules once."""
        from django.utils import timezone

        from xinfang.petitions.models import Category
        from xinfang.units.models import Staff, Unit
        from xinfang.workflow.deadlines import Clock

        self.seed = seed
        self.people = people
        self.frequent = max(1, int(people * FREQUENT_PEOPLE))
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        # A new stream on each call, so that topping up never redraws the same codes.
        self.rng = random.Random(f"{seed}:cases:{stream}")
        self.clock = Clock()

        units = list(Unit.objects.order_by("path"))
        if not any(u.code == "LJ-CN-DC" for u in units):
            raise RuntimeError("the demo organisation is missing: run demo_organisation_ensure()")
        self.by_path = {u.path: u for u in units}
        self.receiving: list[Unit] = []
        weights: list[float] = []
        for kind, weight in RECEIVING_KINDS.items():
            of_kind = [u for u in units if u.kind == kind]
            self.receiving += of_kind
            weights += [weight / max(1, len(of_kind))] * len(of_kind)
        self.receiving_cum = list(itertools.accumulate(weights))
        self.subordinates = {
            u.pk: [
                c
                for c in units
                if c.depth == u.depth + 1
                and c.path.startswith(u.path)
                and c.kind in ("street", "community")
            ]
            for u in units
        }
        self.bureaus = [u for u in units if u.kind == "bureau"]
        self.groups_under = {
            u.pk: [g for g in units if g.kind == "group" and g.path.startswith(u.path)]
            for u in units
        }

        staff = {s.username: s for s in Staff.objects.filter(username__in=REGISTRARS.values())}
        code_paths = {u.code: u.path for u in units}
        self.registrar_of: dict[int, Staff | None] = {}
        for u in self.receiving:
            matches = [
                (len(code_paths[code]), name)
                for code, name in REGISTRARS.items()
                if code in code_paths and u.path.startswith(code_paths[code])
            ]
            self.registrar_of[u.pk] = staff.get(max(matches)[1]) if matches else None

        self.categories = list(Category.objects.filter(numchild=0, is_active=True).order_by("path"))
        top_code = {c.path: c.code for c in Category.objects.filter(depth=1).only("path", "code")}
        siblings: dict[str, int] = {}
        for c in self.categories:
            siblings[c.path[: Category.steplen]] = siblings.get(c.path[: Category.steplen], 0) + 1
        self.categories_cum = list(
            itertools.accumulate(
                CATEGORY_WEIGHTS.get(top_code[c.path[: Category.steplen]], 1)
                / siblings[c.path[: Category.steplen]]
                for c in self.categories
            )
        )
        # Person number -> Petitioner pk; blind index -> pk, for people already stored.
        self.pk_of_person: dict[int, int] = {}
        self.pk_of_index: dict[str, int] = {}
        self.has_case: set[int] = set()
        self.texts: list[tuple[str, str]] = []

    # -- drawing ---------------------------------------------------------------------

    def received_at(self) -> datetime:
        """A moment in office hours during the last 18 months, fewer at weekends."""
        rng = self.rng
        while True:
            day = self.today - timedelta(days=rng.randint(1, DAYS_BACK))
            if day.weekday() < 5 or rng.random() < 0.3:
                break
        seconds = rng.randrange(8 * 3600, 18 * 3600)
        moment = datetime.combine(day, clock_time(), tzinfo=self.tz) + timedelta(
            seconds=seconds, microseconds=rng.randrange(10**6)
        )
        return min(moment, self.now - timedelta(minutes=1))

    def _person_number(self) -> int:
        """A person of the pool; frequent petitioners come back much more often."""
        if self.rng.random() < FREQUENT_SHARE:
            return self.rng.randrange(self.frequent)
        return self.rng.randrange(self.people)

    def _people_of_case(self) -> tuple[list[int], list[int], int]:
        """Petitioners, representatives and headcount: mostly one person, some collective."""
        rng = self.rng
        r = rng.random()
        if r < 0.90:
            return [self._person_number()], [], 1
        if r < 0.97:
            pair = list(dict.fromkeys(self._person_number() for _ in range(2)))
            return pair, [], len(pair)
        first = self._person_number()
        reps = [p for p in dict.fromkeys(self._person_number() for _ in range(3)) if p != first]
        return [first], reps[: rng.randint(1, 3)], rng.randint(5, 60)

    def _pick(self, items: list[Any], cumulative: list[float]) -> Any:
        """One item, drawn by the cumulative weights."""
        x = self.rng.random() * cumulative[-1]
        return items[min(bisect.bisect_right(cumulative, x), len(items) - 1)]

    # -- writing ---------------------------------------------------------------------

    def write(self, first_pk: int, times: list[datetime]) -> None:
        """Build and insert one batch of petitions with consecutive keys from first_pk."""
        from xinfang.petitions.models import (
            Petition,
            Petitioner,
            PetitionEvent,
            PetitionParty,
            PetitionUnit,
            Reply,
        )

        drawn = [(first_pk + i, at, *self._people_of_case()) for i, at in enumerate(times)]
        numbers = {p for _, _, ps, reps, _ in drawn for p in ps + reps}
        self._petitioners_ensure(numbers, Petitioner)
        rows = _Rows()
        for pk, at, petitioners, representatives, headcount in drawn:
            self._case(rows, pk, at, petitioners, representatives, headcount)
        _insert(Petition, rows.petitions, batch_size=500)
        _insert(PetitionParty, rows.parties, batch_size=1000)
        _insert(PetitionUnit, rows.links, batch_size=1000)
        _insert(PetitionEvent, rows.events, batch_size=1000)
        _insert(Reply, rows.replies, batch_size=1000)

    def _petitioners_ensure(self, numbers: set[int], model: Any) -> None:
        """Find or create the Petitioner rows of these pool persons."""
        from xinfang.core.crypto import blind_index

        missing = sorted(k for k in numbers if k not in self.pk_of_person)
        people = {k: person_of(self.seed, k) for k in missing}
        # A person is known by identity number, else by phone, as registration finds them.
        keys = {
            k: ("i" + blind_index("id_number", p.id_number))
            if p.id_number
            else ("p" + blind_index("phone", p.phone))
            for k, p in people.items()
        }
        for column, prefix in (("id_number_index", "i"), ("phone_index", "p")):
            wanted = [key[1:] for key in keys.values() if key[0] == prefix]
            for start in range(0, len(wanted), 2000):
                found = model.objects.filter(**{f"{column}__in": wanted[start : start + 2000]})
                if prefix == "p":
                    found = found.filter(id_number_index="")
                for index, pk in found.values_list(column, "pk"):
                    self.pk_of_index.setdefault(prefix + index, pk)
                    self.has_case.add(pk)
        new: dict[str, Any] = {}
        for k, p in people.items():
            if keys[k] in self.pk_of_index or keys[k] in new:
                continue
            new[keys[k]] = model(
                name=p.name,
                id_number=p.id_number,
                id_number_index=blind_index("id_number", p.id_number) if p.id_number else "",
                phone=p.phone,
                phone_index=blind_index("phone", p.phone) if p.phone else "",
                address=p.address,
                kind=p.kind,
            )
        created = model.objects.bulk_create(list(new.values()), batch_size=1000)
        for key, row in zip(new, created, strict=True):
            self.pk_of_index[key] = row.pk
        for k in missing:
            self.pk_of_person[k] = self.pk_of_index[keys[k]]

    def _case(
        self,
        rows: _Rows,
        pk: int,
        received_at: datetime,
        petitioners: list[int],
        representatives: list[int],
        headcount: int,
    ) -> None:
        """Build one petition and its parties, unit links, replies and register event."""
        from django.utils import timezone

        from xinfang.petitions.history import canonical, case_digest, event_hash
        from xinfang.petitions.models import (
            Petition,
            PetitionEvent,
            PetitionParty,
            PetitionUnit,
        )
        from xinfang.workflow.deadlines import binding_refresh

        rng = self.rng
        unit: Unit = self._pick(self.receiving, self.receiving_cum)
        category: Category = self._pick(self.categories, self.categories_cum)
        received_on = timezone.localdate(received_at)
        registrar = self.registrar_of[unit.pk]
        pks = [self.pk_of_person[k] for k in petitioners]
        rep_pks = [self.pk_of_person[k] for k in representatives]
        rep_pks = [person_pk for person_pk in rep_pks if person_pk not in pks]
        is_first = not any(p in self.has_case for p in pks)
        self.has_case.update(pks + rep_pks)
        name = random_name(rng)
        subject, content, place = self._text(rng, unit, category, name)
        if self.texts:
            subject, content = self.texts[pk % len(self.texts)]
        is_accusation = category.line == "discipline" or rng.random() < 0.01
        accused = rng.choice(self.subordinates[unit.pk] or [unit]) if is_accusation else None
        p = Petition(
            pk=pk,
            tracking_code=self._tracking_code(),
            channel=_draw(rng, CHANNELS),
            received_at=received_at,
            received_on=received_on,
            receiving_unit=unit,
            responsible_unit=unit,
            registered_by=registrar,
            headcount=headcount,
            is_collective=headcount >= 5,
            subject=subject,
            content=content,
            category=category,
            line=category.line,
            place=place,
            accused_unit=accused,
            accused_person=random_name(rng) if is_accusation and rng.random() < 0.6 else "",
            difficulty=_draw(rng, DIFFICULTIES),
            is_accusation=is_accusation,
            is_litigation=category.is_litigation,
            is_first=is_first,
            skips_level=rng.random() < 0.03,
            is_urgent=rng.random() < 0.01,
        )
        self.clock.set(p, "decide_by", received_on)
        self.clock.set_target(p, received_on)
        registered_data = {
            "channel": p.channel,
            "receiving_unit": unit.pk,
            "receiving_unit_name": unit.name,
            "headcount": headcount,
            "repeat_of": None,
            "decide_by": p.decide_by.isoformat(),
            "target_on": p.target_on.isoformat(),
        }
        links = {(unit.pk, PetitionUnit.Relation.RECEIVING)}
        self._life(rows, p, links)
        binding_refresh(p)

        event = PetitionEvent(
            petition_id=pk,
            seq=1,
            kind="register",
            actor_id=registrar.pk if registrar else None,
            actor_name=registrar.display_name if registrar else "",
            from_state="",
            to_state="registered",
            # Round-tripped through JSON so the hash covers what the database returns.
            data=json.loads(canonical(registered_data)),
            at=received_at + timedelta(seconds=rng.randrange(60, 1800)),
            case_version=p.version,
            case_digest=case_digest(p),
            prev_hash="",
        )
        event.hash = event_hash(event)
        p.history_head = event.hash
        rows.petitions.append(p)
        rows.events.append(event)
        for position, person_pk in enumerate(pks):
            rows.parties.append(
                PetitionParty(petition_id=pk, petitioner_id=person_pk, position=position)
            )
        for position, person_pk in enumerate(rep_pks):
            rows.parties.append(
                PetitionParty(
                    petition_id=pk,
                    petitioner_id=person_pk,
                    role=PetitionParty.Role.REPRESENTATIVE,
                    position=position,
                )
            )
        for unit_pk, relation in sorted(links):
            rows.links.append(PetitionUnit(petition_id=pk, unit_id=unit_pk, relation=relation))

    def _life(self, rows: _Rows, p: Petition, links: set[tuple[int, str]]) -> None:
        """Move the case to a state fitting its age, with the dates, links and replies to it."""
        from xinfang.petitions.models import PetitionUnit, State

        rng = self.rng
        R = PetitionUnit.Relation
        age = (self.today - p.received_on).days
        state = _draw(rng, next(states for limit, states in STATES_BY_AGE if age < limit))
        p.state = state
        if state == State.REGISTERED:
            return
        decided = self._day_after(p.received_on, rng.randint(0, 10))
        p.decided_on = decided
        if state == State.DECLINED:
            p.decision = "decline"
            p.decline_reason = (
                "litigation"
                if p.is_litigation
                else rng.choice(["in_progress", "discipline", "litigation"])
            )
            return
        delegated = state in (State.ASSIGNED, State.FORWARDED, State.ACKNOWLEDGED) or (
            state != State.ACCEPTED and rng.random() < 0.45
        )
        if not delegated:
            p.decision = "accept"
            p.accepted_on = decided
            links.add((p.responsible_unit_id, R.RESPONSIBLE))
            self.clock.set(p, "conclude_by", decided)
        else:
            subordinates = self.subordinates[p.responsible_unit_id]
            if state == State.FORWARDED or not subordinates:
                # Out of its remit: sent on to the bureau that has jurisdiction.
                p.decision = "forward"
                to_unit = rng.choice([u for u in self.bureaus if u.pk != p.responsible_unit_id])
            else:
                p.decision = "assign"
                p.accepted_on = decided
                to_unit = rng.choice(subordinates)
            links.add((p.responsible_unit_id, R.ASSIGNING))
            links.add((to_unit.pk, R.RESPONSIBLE))
            p.assigning_unit_id, p.responsible_unit = p.responsible_unit_id, to_unit
            self.clock.set(p, "acknowledge_by", decided)
            self.clock.set(p, "return_by", decided)
            if p.decision == "assign":
                self.clock.set(p, "conclude_by", decided)
            if state in (State.ASSIGNED, State.FORWARDED):
                p.state = State.FORWARDED if p.decision == "forward" else State.ASSIGNED
                return
            if p.decision == "forward":
                # The receiving bureau's acknowledgement starts its handling clock.
                p.accepted_on = self._day_after(decided, rng.randint(1, 5))
                self.clock.set(p, "conclude_by", p.accepted_on)
        if state in (State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS):
            return

        concluded = self._day_after(p.accepted_on, rng.randint(3, 58))
        delivered = self._day_after(concluded, rng.randint(0, 3))
        p.concluded_on, p.reply_delivered_on = concluded, delivered
        self.clock.set(p, "review_request_by", delivered)
        rows.replies.append(self._reply(p, "handling", _draw(rng, OUTCOMES), concluded, delivered))
        if state == State.CONCLUDED:
            return
        reviewer = self.by_path.get(p.responsible_unit.path[:-STEP]) or p.responsible_unit
        p.reviewing_unit = reviewer
        links.add((reviewer.pk, R.REVIEWING))
        requested = self._day_after(delivered, rng.randint(5, 29))
        self.clock.set(p, "review_conclude_by", requested)
        if state == State.REVIEW_REQUESTED:
            return
        reviewed = self._day_after(requested, rng.randint(5, 29))
        review_delivered = self._day_after(reviewed, rng.randint(0, 3))
        rows.replies.append(
            self._reply(p, "review", _draw(rng, REVIEW_OUTCOMES), reviewed, review_delivered)
        )
        self.clock.set(p, "re_review_request_by", review_delivered)
        if state == State.REVIEW_CONCLUDED:
            return
        body = self.by_path.get(reviewer.path[:-STEP]) or reviewer
        p.re_reviewing_unit = body
        links.add((body.pk, R.REVIEWING))
        re_requested = self._day_after(review_delivered, rng.randint(5, 29))
        self.clock.set(p, "re_review_conclude_by", re_requested)
        re_reviewed = self._day_after(re_requested, rng.randint(5, 29))
        rows.replies.append(
            self._reply(p, "re_review", "upheld", re_reviewed, self._day_after(re_reviewed, 1))
        )
        p.state = State.TERMINATED if state == State.TERMINATED else State.RE_REVIEW_CONCLUDED

    def _day_after(self, day: date, days: int) -> date:
        """The day `days` after, but never after today."""
        return min(day + timedelta(days=days), self.today)

    def _reply(self, p: Petition, stage: str, outcome: str, issued: date, delivered: date) -> Any:
        """An issued reply of one stage."""
        from xinfang.petitions.models import Reply

        return Reply(
            petition_id=p.pk,
            stage=stage,
            status=Reply.Status.ISSUED,
            request=p.subject,
            facts=f"经调查核实，{p.place}情况属实，相关单位已作说明。",
            decision="已责成相关单位依法依规处理，并向信访人当面解释。",
            legal_basis="《信访工作条例》及相关政策规定。",
            outcome=outcome,
            issued_on=issued,
            delivered_on=delivered,
        )

    def _text(
        self, rng: random.Random, unit: Unit, category: Category, name: str
    ) -> tuple[str, str, str]:
        """Subject, content and place of a case."""
        place = f"{unit.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
        groups = self.groups_under[unit.pk]
        if groups and rng.random() < 0.3:
            place = rng.choice(groups).name
        subject = f"反映{place}{category.name}问题"
        content = (
            f"信访人{name}反映：{place}存在{category.name}问题，{rng.choice(DETAILS)}"
            f"{rng.choice(DETAILS)}{rng.choice(ASKS)}。"
        )
        return subject[:200], content, place[:200]

    def _tracking_code(self) -> str:
        """A tracking code drawn from this generator's stream."""
        from xinfang.core.tracking import ALPHABET, check_character

        payload = "".join(self.rng.choices(ALPHABET, k=10))
        return payload + check_character(payload)


# -- PostgreSQL bulk fills -----------------------------------------------------------------

# The tables bulk_petitions writes that nothing reads back during the load.
LOAD_TABLES = (
    "petitions_petition",
    "petitions_petitionparty",
    "petitions_petitionunit",
    "petitions_petitionevent",
    "petitions_reply",
)


@contextlib.contextmanager
def pg_bulk_fill(tables: tuple[str, ...] | list[str], saved: Path | None = None) -> Any:
    """PostgreSQL, for a bench's own fill of a database: the session without synchronous
    commits and without triggers or foreign-key checks (`session_replication_role =
    replica`: the rows are consistent by construction; the indicators' summary is rebuilt
    afterwards rather than marked case by case), and the tables' indexes that back no
    constraint dropped for the fill and built again after it, all at once instead of one
    row at a time. Their definitions are written to `saved` first, so that a fill that is
    stopped can put them back (`pg_indexes_restore`). Elsewhere it does nothing."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) "
            "ORDER BY i.tablename, i.indexname",
            [list(tables)],
        )
        found = cursor.fetchall()
        if saved is not None:
            with saved.open("a", encoding="utf-8") as f:
                f.writelines(f"{sql};\n" for _, sql in found)
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")
    started = time.perf_counter()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        print(f"  building {len(found)} indexes again", flush=True)
        t0 = time.perf_counter()
        pg_indexes_restore(saved, [sql for _, sql in found])
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
            cursor.execute("RESET maintenance_work_mem")
        print(
            f"  indexes built in {time.perf_counter() - t0:.0f} s "
            f"(fill and indexes {time.perf_counter() - started:.0f} s)",
            flush=True,
        )


def pg_indexes_restore(saved: Path | None, statements: list[str] | None = None) -> None:
    """Create the indexes a stopped `pg_bulk_fill` dropped (those of `saved` that are
    missing, or `statements`), then forget the file."""
    from django.db import connection

    if statements is None:
        if saved is None or not saved.is_file():
            return
        statements = [s for s in saved.read_text(encoding="utf-8").split(";\n") if s.strip()]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(
                sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replace(
                    "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1
                )
            )
    if saved is not None:
        saved.unlink(missing_ok=True)
