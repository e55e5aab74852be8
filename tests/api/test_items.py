"""Finding items and reading their guide through the API."""

from __future__ import annotations


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [i["code"] for i in response.json["items"]]


def test_pinyin_initials_find_items(world, client) -> None:
    assert codes(client.get("/api/v1/items?q=gljt")) == ["aged-allowance"]
    assert "birth-registration" in codes(client.get("/api/v1/items?q=csdj"))
    assert "no-criminal-record-certificate" in codes(
        client.get("/api/v1/items?q=WFZJL")
    )


def test_words_rank_names_before_keywords(world, client) -> None:
    found = codes(client.get("/api/v1/items?q=津贴"))
    assert found[0] == "aged-allowance"
    assert codes(client.get("/api/v1/items?q=不存在的事项xyz")) == []


def test_filters_by_category_and_department(world, client) -> None:
    benefits = client.get("/api/v1/items?category=GF").json["items"]
    assert benefits and all(i["category"] == "GF" for i in benefits)
    civil = client.get("/api/v1/items?department=lh-mz").json["items"]
    assert civil and all(i["department_code"] == "lh-mz" for i in civil)
    both = codes(client.get("/api/v1/items?category=GF&department=lh-mz&q=高龄"))
    assert both == ["aged-allowance"]


def test_bad_filters_are_422_naming_the_parameter(world, client) -> None:
    response = client.get("/api/v1/items?category=ZZ")
    assert response.status_code == 422
    assert response.json["code"] == "invalid_request"
    assert "category" in response.json["errors"]
    long = client.get("/api/v1/items?q=" + "长" * 41)
    assert long.status_code == 422 and "q" in long.json["errors"]


def test_item_guide_has_conditions_materials_limits_fee(world, client) -> None:
    guide = client.get("/api/v1/items/aged-allowance").json
    assert guide["name"] == "高龄老人津贴申领"
    assert any("80周岁" in c for c in guide["conditions"])
    id_card = next(m for m in guide["materials"] if m["code"] == "id_card")
    assert id_card["how"].startswith("有居民身份证电子证照的免提交")
    assert guide["limits"]["case_type"] == "即办件"
    assert guide["fee"] == "不收费"
    assert "kiosk" in guide["channels"]
    relief = client.get("/api/v1/items/temporary-relief").json
    assert relief["tolerance_allowed"] and relief["commitment_allowed"]
    assert relief["no_miaopi_reason"]
    proof = next(m for m in relief["materials"] if m["code"] == "hardship_proof")
    assert "容缺" in proof["how"]


def test_unknown_item_guide_is_404(world, client) -> None:
    response = client.get("/api/v1/items/nope")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_openapi_document_describes_the_api(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/items",
        "/api/v1/items/{code}",
        "/api/v1/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/submit",
        "/api/v1/applications/{application_id}/commitment",
        "/api/v1/applications/{application_id}/handoff",
        "/api/v1/handoff/claim",
        "/api/v1/auth/dev-login",
        "/api/v1/auth/miniprogram-login",
    ):
        assert path in paths, path
    assert "bearer" in spec["components"]["securitySchemes"]
    submit = paths["/api/v1/applications/{application_id}/submit"]["post"]
    key = next(p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True


def test_a_body_that_is_not_json_is_a_documented_400(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    json_bodies = [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(json_bodies) >= 10
    for path, method, operation in json_bodies:
        assert "400" in operation["responses"], f"{method} {path}"
    answer = client.post(
        "/api/v1/auth/dev-login", data="{not json", content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json["code"] == "invalid_request" and answer.json["message"]
