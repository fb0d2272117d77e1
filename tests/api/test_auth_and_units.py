def test_it_issues_a_token_and_lists_only_visible_units(client, dc_handler):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "dc_handler", "password": "pw"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    units = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert [u["code"] for u in units] == ["LJ-CN-DC", "LJ-CN-DC-DH", "LJ-CN-DC-DH-01"]
    dongcheng = units[0]
    assert units[1]["parent"] == dongcheng["id"]
    assert set(dongcheng) == {"id", "code", "name", "kind", "parent"}


def test_it_refuses_a_wrong_password_with_the_error_body(client, dc_handler):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "dc_handler", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_it_requires_authentication(client, db):
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["message"] == "请先登录或提供有效的令牌。"


def test_it_serves_the_schema_and_docs_to_staff_only(client, dc_handler):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 401 and schema.json()["code"] == "not_authenticated"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/?next=")
    client.force_login(dc_handler)
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
