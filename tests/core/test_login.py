import pytest
from django.urls import reverse


def test_the_login_page_speaks_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html and "工作人员登录" in html and "用户名" in html


def test_it_lets_a_member_log_in_and_see_their_units(client, dc_registrar):
    response = client.post(reverse("login"), {"username": "dc_registrar", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "东城街道" in page and "登记员" in page


def test_it_redirects_anonymous_users_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("attempts", [5])
def test_it_locks_the_account_after_repeated_failures(client, dc_registrar, attempts):
    for _ in range(attempts):
        response = client.post(reverse("login"), {"username": "dc_registrar", "password": "x"})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "dc_registrar", "password": "pw"})
    assert response.status_code == 429
