"""The case list's count without a filter comes from the case-unit links (and the
accusations' partial index), not from the cases: the same number as
`petitions_visible_to(user).count()`, for every kind of reader."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.petitions.factories import accuse, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.petitions.selectors import petitions_visible_count, petitions_visible_to

CASES = Petition._meta.db_table
LINKS = PetitionUnit._meta.db_table


def _cases(org, dc_registrar, cn_leader):
    """A 东城 case, one linked to both 东城 and 东湖 (two units a 东城 reader sees), an
    accusation against 东城 also linked to 东城 and 东湖, a 西城 case and one of 城北区."""
    register(dc_registrar, org.dongcheng)
    twice = register(dc_registrar, org.dongcheng)
    PetitionUnit.objects.create(petition=twice, unit=org.donghu, relation="co_handling")
    hidden = accuse(
        cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要"
    )
    for unit in (org.dongcheng, org.donghu):
        PetitionUnit.objects.create(petition=hidden, unit=unit, relation="co_handling")
    xc_registrar = StaffFactory(username="xc_registrar")
    MembershipFactory(staff=xc_registrar, unit=org.xicheng, role="registrar")
    register(xc_registrar, org.xicheng)
    north = StaffFactory(username="north_registrar")
    MembershipFactory(staff=north, unit=org.north, role="registrar")
    register(north, org.north)
    return twice, hidden, north


def test_the_count_is_the_visible_cases(api, org, dc_registrar, dc_handler, cn_leader, xc_handler):
    twice, hidden, north = _cases(org, dc_registrar, cn_leader)
    root = StaffFactory(username="root", is_superuser=True)
    expected = {dc_handler: 2, dc_registrar: 2, cn_leader: 4, xc_handler: 1, north: 1, root: 5}
    for user, n in expected.items():
        visible = petitions_visible_to(user)
        assert petitions_visible_count(user) == visible.count() == n, user
        body = api.as_(user).get("/api/v1/petitions/", {"limit": 2, "offset": 0}).json()
        assert body["count"] == n, user
        newest = visible.order_by("-received_at", "-id").values_list("pk", flat=True)[:2]
        assert [r["id"] for r in body["results"]] == list(newest), user
    # The accusation against 东城 is not counted for its staff, though linked to their units.
    assert hidden.pk not in petitions_visible_to(dc_handler).values_list("pk", flat=True)
    # Past the end, the count still holds; with a filter it is counted from the cases.
    client = api.as_(dc_handler)
    assert client.get("/api/v1/petitions/", {"offset": 5}).json()["count"] == 2
    state = client.get("/api/v1/petitions/", {"state": twice.state}).json()
    assert state["count"] == petitions_visible_to(dc_handler).filter(state=twice.state).count()


def test_the_list_count_reads_no_case_row(api, org, dc_registrar, dc_handler, cn_leader):
    _cases(org, dc_registrar, cn_leader)
    client = api.as_(dc_handler)
    client.get("/api/v1/petitions/")  # warm the caches of the request
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/petitions/", {"limit": 1}).json()
    assert body["count"] == 2
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1, counts
    sql = counts[0]
    # The distinct cases among the first links read (the count's cap bounds the read).
    counted = r"SELECT COUNT\(\*\), COUNT\(DISTINCT petition_id\) FROM \(SELECT "
    assert re.match(rf'{counted}"{LINKS}"\."petition_id" .*FROM "{LINKS}"', sql), sql
    assert re.search(r"LIMIT \d+\) links_read$", sql), sql
    # The cases are read only through the accusations' partial index (is_accusation).
    aliases = re.findall(rf'FROM "{CASES}" (\w+) WHERE', sql)
    assert sql.count(f'"{CASES}"') == len(aliases) == 1, sql
    assert f'{aliases[0]}."is_accusation"' in sql, sql


def test_a_states_count_and_page_read_the_state_index_alone(api, org, dc_registrar, cn_leader):
    """The list of some states' cases asks of each case its state, time, id and whether it is
    an accusation against the reader: all in petition_state_received, so SQLite reads no
    case's row (the wide rows cost 8 ms a count at 3,500 cases)."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL's choice of an index-only scan depends on its statistics
    _cases(org, dc_registrar, cn_leader)
    client = api.as_(dc_registrar)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/petitions/", {"state": "registered", "limit": 2})
    on_cases = [q["sql"] for q in queries if f'FROM "{CASES}" WHERE' in q["sql"]]
    assert len(on_cases) == 2, on_cases  # the count and the page's ids
    with connection.cursor() as cursor:
        for sql in on_cases:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "COVERING INDEX petition_state_received" in plan, plan
