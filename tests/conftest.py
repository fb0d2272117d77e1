"""Named users in a small organisation, as STYLE.md asks: a registrar, a handler and their
leader in 东城街道, a supervisor over the district, and a handler in 西城街道 who must see
nothing of 东城's cases."""

from __future__ import annotations

import copy
import uuid
from types import SimpleNamespace

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from rest_framework.test import APIClient

from tests.petitions.factories import register
from tests.units.factories import MembershipFactory, StaffFactory, unit_tree
from xinfang.units.models import Unit

_truncate_flush = PostgresOperations.sql_flush


def _delete_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Empty the tables with DELETE rather than one TRUNCATE of them all, on PostgreSQL.

    The flush after every transactional and browser test (and after the committed fixtures of
    tests/demo and tests/analytics) leaves the same empty tables either way, but TRUNCATE gives
    each of the ~80 tables and their indexes new files, and took 5.2 s against 0.4 s for the
    DELETEs on the nearly empty test tables (median of 5, loaded machine). Django's foreign
    keys are deferrable, so the order of the DELETEs does not matter. Identities are not
    restarted by either; when a test asks for that (reset_sequences) or for CASCADE, the
    TRUNCATE stays.
    """
    if reset_sequences or allow_cascade or not tables:
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    delete = style.SQL_KEYWORD("DELETE FROM")
    return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')};"] + [
        f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables
    ]


PostgresOperations.sql_flush = _delete_flush

# The longest files of the suite, longest first (their `--durations` on SQLite and PostgreSQL).
# `make test` hands out whole files to its two workers in collection order (--dist loadfile
# --no-loadscope-reorder; xdist's own reorder puts the files with the most tests first). The
# canary walk (two tests, eight minutes) ran last and alone while the other worker sat idle;
# started first, it overlaps everything else.
LONGEST_FIRST = (
    "tests/security/test_canary.py",
    "tests/demo/test_petitions.py",
    "tests/site/test_first_start.py",
    "tests/workflow/test_predicates.py",
    "tests/security/test_canary_sanity.py",
    "tests/workflow/test_state_machine.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    root = config.rootpath

    def place(item) -> int:
        return rank.get(item.path.relative_to(root).as_posix(), len(rank))

    items.sort(key=place)  # stable: the rest keep their order


ORG = {
    "LJ": ("临江市", "city", {
        "LJ-YMB": ("临江市移民办", "bureau", {}),
        "LJ-CN": ("城南区", "district", {
            "LJ-CN-DC": ("东城街道", "street", {
                "LJ-CN-DC-DH": ("东湖社区", "community", {
                    "LJ-CN-DC-DH-01": ("东湖社区第一居民小组", "group", {}),
                }),
            }),
            "LJ-CN-XC": ("西城街道", "street", {
                "LJ-CN-XC-XM": ("西门社区", "community", {}),
            }),
        }),
        "LJ-CB": ("城北区", "district", {}),
    }),
}  # fmt: skip


@pytest.fixture
def org(db) -> SimpleNamespace:
    units = unit_tree(ORG)
    return SimpleNamespace(
        city=units["LJ"],
        bureau=units["LJ-YMB"],
        district=units["LJ-CN"],
        dongcheng=units["LJ-CN-DC"],
        donghu=units["LJ-CN-DC-DH"],
        group=units["LJ-CN-DC-DH-01"],
        xicheng=units["LJ-CN-XC"],
        ximen=units["LJ-CN-XC-XM"],
        north=units["LJ-CB"],
        by_code=units,
    )


def _member(username: str, unit, *roles: str):
    staff = StaffFactory(username=username)
    for role in roles:
        MembershipFactory(staff=staff, unit=unit, role=role)
    return staff


@pytest.fixture
def school_case(org):
    """A school under 东城街道 with one desk (registrar and handler) and its leader 周建国, and
    a case its desk registered: a small desk (units.selectors.is_small_desk)."""
    school = Unit.objects.add_child(
        Unit.objects.get(pk=org.dongcheng.pk),
        {"code": "LJ-CN-DC-SCH", "name": "东城第一小学", "kind": "school"},
    )
    desk = _member("school_desk", school, "registrar", "handler")
    head = _member("school_head", school, "leader")
    head.full_name = "周建国"
    head.save(update_fields=["full_name"])
    return register(desk, school, subject="食堂饭菜价格上涨")


@pytest.fixture
def dc_registrar(org):
    return _member("dc_registrar", org.dongcheng, "registrar")


@pytest.fixture
def dc_handler(org):
    return _member("dc_handler", org.dongcheng, "handler")


@pytest.fixture
def dc_leader(org):
    return _member("dc_leader", org.dongcheng, "leader")


@pytest.fixture
def cn_leader(org):
    """A leader of 城南区, above 东城街道: registers accusations against it."""
    return _member("cn_leader", org.district, "leader")


@pytest.fixture
def city_leader(org):
    return _member("city_leader", org.city, "leader")


@pytest.fixture
def district_supervisor(org):
    return _member("district_supervisor", org.district, "supervisor")


@pytest.fixture
def xc_handler(org):
    return _member("xc_handler", org.xicheng, "handler")


@pytest.fixture
def informant(org):
    return _member("informant_1", org.group, "informant")


@pytest.fixture
def api():
    """An API client; `api.as_(user)` authenticates with a token of that user (one per user,
    issued the first time: only its hash is stored, so the key is kept here)."""
    from xinfang.api.tokens import api_token_issue

    client = APIClient()
    keys: dict[int, str] = {}

    def as_(user):
        if user.pk not in keys:
            keys[user.pk] = api_token_issue(user=user)[1]
        client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
        return client

    client.as_ = as_
    return client


def otp_device_for(user):
    """The user's confirmed authenticator, enrolled with a random key when they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)


def otp_code(device, *, fresh: bool = True) -> str:
    """A code the device accepts now: the current step's, or the next one's when the current
    was used already (a device takes each code once; it allows one step of drift)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    t.time = time.time()
    step = t.t()
    if fresh and device.last_t >= step:
        step = device.last_t + 1
    t.time = device.t0 + step * device.step
    return f"{t.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` skips the password; here it skips the second factor too, as
    if the user had given their code: pages under test then behave as for a signed-in leader.
    The sign-in itself is tested in tests/units/test_signin*.py and tests/e2e/test_signin.py."""
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY

        from xinfang.units.signin import otp_must_verify

        if otp_must_verify(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = otp_device_for(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test its own cache keys: the rate-limit counters of one test, or of a test the
    other xdist process runs at the same time (the file cache is shared), never count in
    another. Clearing the cache instead would wipe the other process's counters mid-test."""
    caches = copy.deepcopy(settings.CACHES)
    prefix = f"t{uuid.uuid4().hex[:12]}"
    for config in caches.values():
        config["KEY_PREFIX"] = prefix
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _own_suggester_model(settings, tmp_path):
    """Each test its own (absent until trained) category-suggester model file: a demo load or
    a training in one test never leaves a model in the data directory or for another test."""
    settings.SUGGESTER_MODEL_PATH = tmp_path / "suggester.model"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Seed the categories, deadline rules and screening cadences the migrations seed.

    A transactional test (threads, the live server of browser tests) flushes the database
    when it ends, migration data included, and under xdist a plain test may run after it.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & names
    )
    if not (marker or transactional or {"db", "org"} & names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    if _reference_data_present():
        return
    from xinfang.backlog.services import help_kinds_seed
    from xinfang.petitions.taxonomy import categories_seed
    from xinfang.prevention.services import cadence_rules_seed
    from xinfang.workflow.deadlines import rules_seed

    categories_seed()
    rules_seed()
    # Outside tests/prevention too (tests/security files a screening report).
    cadence_rules_seed()
    help_kinds_seed()


def _reference_data_present() -> bool:
    """Whether the four seeds below would add nothing, asked in one query (they ask ~30,
    ~15 ms on PostgreSQL, before every test that uses the database): a category exists (the
    tree is seeded only into an empty table) and every default rule, cadence and help kind.
    """
    from django.db import connection

    from xinfang.backlog.models import HelpKind
    from xinfang.backlog.services import HELP_KINDS
    from xinfang.petitions.models import Category
    from xinfang.prevention.models import CadenceRule
    from xinfang.prevention.schedule import DEFAULT_RULES as CADENCES
    from xinfang.workflow.deadlines import DEFAULT_RULES
    from xinfang.workflow.models import DeadlineRule

    def count(model, where: str, values: list[str]) -> str:
        marks = ", ".join(["%s"] * len(values))
        return f"(SELECT COUNT(*) FROM {model._meta.db_table} WHERE {where} IN ({marks}))"

    rules, cadences = [str(k) for k in DEFAULT_RULES], [str(k) for k in CADENCES]
    kinds = [code for code, _ in HELP_KINDS]
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {Category._meta.db_table}), "
        + count(DeadlineRule, "key", rules)
        + ", "
        + count(CadenceRule, "unit_id IS NULL AND unit_kind", cadences)
        + ", "
        + count(HelpKind, "code", kinds)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rules, *cadences, *kinds])
        exists, n_rules, n_cadences, n_kinds = cursor.fetchone()
    return bool(exists) and (n_rules, n_cadences, n_kinds) == (
        len(rules),
        len(cadences),
        len(kinds),
    )


def pytest_sessionfinish(session, exitstatus) -> None:
    from tests.demo.loaded import demo_snapshots_forget

    demo_snapshots_forget()
