def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_register_and_read(client, make):
    headers = make.headers("regulator")
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"uscc": make.uscc(), "name": "镇江市华东电气设备有限公司"},
    )
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["uscc"]
    profile = client.get(f"/api/v1/enterprises/{code}").get_json()
    assert profile["name"] == "镇江市华东电气设备有限公司"
    found = client.get("/api/v1/enterprises", query_string={"q": "华东电气"}).get_json()
    assert [item["uscc"] for item in found["items"]] == [code]
