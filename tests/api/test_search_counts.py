"""Search past the exact count: the total is bounded and says so, and every page keeps the order
(the exact code, names starting with q, the rest by name) whichever way it is read, a code
prefix's firms too."""

from __future__ import annotations

import pytest

from credit import policy
from credit.services import enterprises
from credit.services.enterprises import NewEnterprise, register_many

ENTERPRISES = "/api/v1/enterprises"


def search(client, **params):
    response = client.get(ENTERPRISES, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def few_counted(monkeypatch):
    """Matches counted exactly up to 5 only, so a dozen firms are "many"."""
    monkeypatch.setattr(policy, "SEARCH_EXACT_TOTAL", 5)


@pytest.fixture
def crowd(make, database) -> dict[str, str]:
    """Names by code: a dozen holding 电气, three of them starting with it, and one not."""
    names = [
        "电气乙有限公司",
        "电气甲有限公司",
        "电气丙有限公司",
        *(f"镇江{i:02d}电气有限公司" for i in range(9)),
        "华东电子有限公司",
    ]
    firms = {make.uscc(): name for name in names}
    with database.writing() as session:
        register_many(session, [NewEnterprise(uscc=c, name=n) for c, n in firms.items()])
    return firms


def every_page(client, per_page: int, **params) -> list[dict]:
    items, page = [], 1
    while True:
        body = search(client, per_page=per_page, page=page, **params)
        if not body["items"]:
            return items
        items += body["items"]
        page += 1


@pytest.mark.parametrize("per_page", [1, 2, 5, 50])
def test_past_the_exact_count_the_total_says_so_and_the_pages_keep_their_order(
    client, crowd, few_counted, per_page
):
    first = search(client, q="电气", per_page=per_page)
    assert (first["total"], first["total_exact"]) == (5, False)
    found = [item["name"] for item in every_page(client, per_page, q="电气")]
    starting = sorted(n for n in crowd.values() if n.startswith("电气"))
    rest = sorted(n for n in crowd.values() if "电气" in n and not n.startswith("电气"))
    assert found == starting + rest


def test_past_the_exact_count_a_page_spans_names_starting_with_q_and_the_rest(
    client, crowd, few_counted
):
    code, name = next((c, n) for c, n in crowd.items() if n.startswith("镇江05"))
    assert search(client, q=code)["items"][0]["name"] == name
    assert [i["name"] for i in every_page(client, 4, q="电气")][3:] == sorted(
        n for n in crowd.values() if n.startswith("镇江")
    )


def test_past_the_exact_count_a_region_filter_still_applies(client, crowd, few_counted, make):
    code = make.enterprise("320102", name="南京电气有限公司")
    found = every_page(client, 3, q="电气", region="3201")
    assert [i["uscc"] for i in found] == [code]


def test_a_four_character_query_past_the_count_confirms_the_run(client, crowd, few_counted):
    # 江0 and 电气 are both in every 镇江0x电气 name, but not 江0电气 as one run.
    assert search(client, q="江0电气")["total"] == 0
    body = search(client, q="有限公司", per_page=50)
    assert (body["total"], body["total_exact"], len(body["items"])) == (5, False, 13)


def test_a_latin_query_past_the_count_is_found_whatever_the_case(
    client, make, database, few_counted
):
    with database.writing() as session:
        register_many(
            session,
            [
                NewEnterprise(uscc=make.uscc(), name=f"{p}BB{i}有限公司")
                for i in range(4)
                for p in "Aa"
            ],
        )
    found = [i["name"] for i in every_page(client, 3, q="abb")]
    assert len(found) == 8 and found == sorted(found)


def test_within_the_exact_count_the_total_is_exact(client, crowd):
    body = search(client, q="电气")
    assert (body["total"], body["total_exact"]) == (12, True)


def test_a_query_of_digits_is_a_code_prefix_and_not_looked_for_in_names(client, make):
    make.enterprise("321102", name="镇江123电器有限公司")
    make.enterprise("321102", name="镇江9132电器有限公司")
    assert search(client, q="123")["total"] == 0
    assert search(client, q="12")["total"] == 0
    codes = {i["uscc"] for i in search(client, q="9132")["items"]}
    assert codes and all(code.startswith("9132") for code in codes)
    assert [i["name"] for i in search(client, q="123电器")["items"]] == ["镇江123电器有限公司"]


@pytest.fixture
def coded(make, database) -> list[str]:
    """Eight firms of two Zhenjiang districts, their names in the reverse of their codes' order,
    and one firm of Nanjing."""
    codes = [make.uscc("321102") for _ in range(5)] + [make.uscc("321111") for _ in range(3)]
    firms = [
        NewEnterprise(uscc=code, name=f"镇江{9 - i}号有限公司") for i, code in enumerate(codes)
    ]
    firms.append(NewEnterprise(uscc=make.uscc("320102"), name="南京甲有限公司"))
    with database.writing() as session:
        register_many(session, firms)
    return codes


@pytest.mark.parametrize("per_page", [1, 3, 50])
def test_a_code_prefix_lists_its_firms_by_name(client, coded, per_page):
    assert [i["uscc"] for i in every_page(client, per_page, q="913211")] == coded[::-1]
    body = search(client, q="913211")
    assert (body["total"], body["total_exact"]) == (8, True)


@pytest.fixture(params=["along the name index", "from the code range"])
def code_pages(request, monkeypatch):
    """Either way a code prefix's page is read: along the name index, or (when its firms are not
    among the first names) its code range sorted by name."""
    if request.param == "from the code range":
        monkeypatch.setattr(enterprises, "NAME_WALK", 0)


@pytest.mark.parametrize("per_page", [1, 3, 50])
def test_past_the_exact_count_a_code_prefix_keeps_name_order(
    client, coded, few_counted, code_pages, per_page
):
    nanjing = search(client, q="913201")["items"][0]["uscc"]  # 南京 sorts before 镇江
    assert [i["uscc"] for i in every_page(client, per_page, q="9132")] == [nanjing, *coded[::-1]]
    body = search(client, q="9132")
    assert (body["total"], body["total_exact"]) == (5, False)


@pytest.mark.parametrize("per_page", [1, 2, 50])
def test_past_the_exact_count_a_name_starting_with_the_code_prefix_comes_first(
    client, coded, few_counted, code_pages, make, per_page
):
    nanjing = search(client, q="913201")["items"][0]["uscc"]
    named = make.enterprise("321102", name="9132仪器有限公司")
    found = [i["uscc"] for i in every_page(client, per_page, q="9132")]
    assert found == [named, nanjing, *coded[::-1]]


def test_past_the_exact_count_a_code_range_keeps_a_region_filter(
    client, coded, monkeypatch, make, database
):
    # Counted exactly up to 3 only, and the region as large as the code range, so that the page
    # is read from the code range with the region as a filter.
    monkeypatch.setattr(policy, "SEARCH_EXACT_TOTAL", 3)
    monkeypatch.setattr(enterprises, "NAME_WALK", 0)
    moved_away = NewEnterprise(
        uscc=make.uscc("321102"), name="丹阳甲有限公司", region_code="321181"
    )
    moved_in = [
        NewEnterprise(uscc=make.uscc("320102"), name=f"句容{i}有限公司", region_code="321102")
        for i in range(5)
    ]
    with database.writing() as session:
        register_many(session, [moved_away, *moved_in])
    found = every_page(client, 3, q="913211", region="321102")
    assert [i["uscc"] for i in found] == coded[:5][::-1]
    found = every_page(client, 3, q="913211", region="3211")
    assert [i["uscc"] for i in found] == [moved_away.uscc, *coded[::-1]]


def test_a_code_prefix_within_a_region(client, coded, few_counted):
    assert [i["uscc"] for i in every_page(client, 2, q="91", region="321111")] == coded[:4:-1]
    assert search(client, q="91", region="321111")["total_exact"] is True
    assert [i["uscc"] for i in every_page(client, 2, q="913211", region="3211")] == coded[::-1]
    assert search(client, q="91", region="6501") == search(client, q="91", region="6501") | {
        "items": [],
        "total": 0,
        "total_exact": True,
    }


def test_a_whole_code_leads_its_page(client, coded):
    assert [i["uscc"] for i in search(client, q=coded[2])["items"]] == [coded[2]]
    assert search(client, q=coded[2], page=2)["items"] == []
