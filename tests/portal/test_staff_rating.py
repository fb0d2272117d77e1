"""Staff take down a rating for a walk-in or phone petitioner (工作人员代录): on the case page
and the API, through the same service as the online rating, and it counts the same."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.petitions.factories import register
from tests.portal.helpers import answered
from xinfang.analytics import periods
from xinfang.analytics.indicators import Scope, indicators_compute
from xinfang.core.errors import InvalidTransition, NotPermitted, ValidationFailed
from xinfang.portal.models import Rating
from xinfang.portal.services import rating_closes_on, rating_submit


@pytest.fixture
def replied(org, dc_registrar, dc_leader, dc_handler):
    petition = register(dc_registrar, org.dongcheng)
    return answered(petition, dc_leader, dc_handler)


def test_it_takes_down_a_rating_on_the_case_page(client, replied, dc_handler):
    client.force_login(dc_handler)
    page = client.get(f"/petitions/{replied.pk}/").content.decode()
    assert "代录评价" in page
    response = client.post(
        f"/petitions/{replied.pk}/rating/",
        {"level": "basically_satisfied", "recorded_channel": "phone", "comment": "基本解决"},
        follow=True,
    )
    html = response.content.decode()
    assert "已代录信访人的评价" in html and "基本满意" in html and "代录" in html
    rating = Rating.objects.get()
    assert (rating.via, rating.recorded_by, rating.recorded_channel) == (
        "staff",
        dc_handler,
        "phone",
    )


def test_it_takes_one_rating_per_case_whoever_records_it(replied, dc_handler):
    rating_submit(petition=replied, level="satisfied")
    with pytest.raises(InvalidTransition):
        rating_submit(
            petition=replied, level="satisfied", recorded_by=dc_handler, recorded_channel="visit"
        )


def test_it_refuses_staff_outside_the_case_and_an_unknown_channel(
    replied, xc_handler, district_supervisor, dc_handler
):
    with pytest.raises(NotPermitted):
        rating_submit(
            petition=replied, level="satisfied", recorded_by=xc_handler, recorded_channel="visit"
        )
    with pytest.raises(NotPermitted):
        rating_submit(
            petition=replied,
            level="satisfied",
            recorded_by=district_supervisor,
            recorded_channel="visit",
        )
    with pytest.raises(ValidationFailed):
        rating_submit(
            petition=replied, level="satisfied", recorded_by=dc_handler, recorded_channel="fax"
        )
    assert not Rating.objects.exists()


def test_it_takes_down_a_rating_through_the_api(
    api, replied, dc_handler, xc_handler, district_supervisor
):
    url = f"/api/v1/petitions/{replied.pk}/rating/"
    assert api.as_(dc_handler).get(url).status_code == 404
    assert (
        api.as_(xc_handler)
        .post(url, {"level": "satisfied", "recorded_channel": "visit"})
        .status_code
        == 404
    )
    assert (
        api.as_(district_supervisor)
        .post(url, {"level": "satisfied", "recorded_channel": "visit"})
        .status_code
        == 403
    )
    created = api.as_(dc_handler).post(url, {"level": "dissatisfied", "recorded_channel": "visit"})
    assert created.status_code == 201, created.content
    body = api.as_(dc_handler).get(url).json()
    assert body["via"] == "staff" and body["recorded_by"] == dc_handler.pk
    assert body["level"] == "dissatisfied" and body["recorded_channel"] == "visit"
    again = api.as_(dc_handler).post(url, {"level": "satisfied", "recorded_channel": "visit"})
    assert again.status_code == 409 or again.status_code == 400


def test_it_counts_a_staff_rating_like_an_online_one(replied, dc_handler, dc_leader, org):
    rating_submit(
        petition=replied, level="satisfied", recorded_by=dc_handler, recorded_channel="visit"
    )
    closes = rating_closes_on(replied)
    p = periods.month(closes.year, closes.month)
    scope = Scope(dc_leader, org.dongcheng, p.start, p.end, as_of=date(closes.year + 1, 1, 1))
    r = {x.key: x for x in indicators_compute(scope)}
    assert (r["rating_rate"].numerator, r["rating_rate"].denominator) == (1, 1)
    assert r["satisfaction_rate"].numerator == 1
    assert timezone.localdate() <= closes


def test_the_office_and_the_handling_unit_are_rated_separately(client, api, replied, dc_handler):
    # RULES.md §9: the reply (the handling unit) and the petition office each get a level.
    client.force_login(dc_handler)
    client.post(
        f"/petitions/{replied.pk}/rating/",
        {"level": "dissatisfied", "office_level": "satisfied", "recorded_channel": "visit"},
    )
    rating = Rating.objects.get()
    assert (rating.level, rating.office_level) == ("dissatisfied", "satisfied")
    page = client.get(f"/petitions/{replied.pk}/").content.decode()
    assert 'id="rating-office"' in page
    body = api.as_(dc_handler).get(f"/api/v1/petitions/{replied.pk}/rating/").json()
    assert (body["level"], body["office_level"]) == ("dissatisfied", "satisfied")


def test_the_office_rating_is_optional_and_checked(replied, dc_handler):
    with pytest.raises(ValidationFailed, match="信访部门"):
        rating_submit(petition=replied, level="satisfied", office_level="great")
    assert rating_submit(petition=replied, level="satisfied").office_level == ""
