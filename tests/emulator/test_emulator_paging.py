"""Token pagination, search, select and every filter operator."""

from __future__ import annotations

from typing import Any

import pytest
from _emulator_api import Api

from qarnot_async.emulator import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Emulator
from qarnot_async.emulator._wire import format_date

STATES = ["Success", "Failure", "Cancelled", "Submitted"]


class Seeded:
    """60 tasks with varied fields, and what each was given (to compute expectations)."""

    def __init__(self, emu: Emulator) -> None:
        self.pools = emu.seed_pools(2)
        self.jobs = emu.seed_jobs(2)
        self.count = 60
        self.uuids = emu.seed_tasks(
            self.count,
            name=lambda i: f"n{i % 7}",
            shortname="short-{i}",
            state=lambda i: STATES[i % 4],
            tags=lambda i: ["even3", "common"] if i % 3 == 0 else (["odd"] if i % 3 == 1 else []),
            labels=lambda i: {"env": "prod" if i % 2 else "dev", "idx": str(i)},
            instance_count=lambda i: 1 + i % 5,
            profile=lambda i: "docker-batch" if i % 2 else "blender",
            pool_uuid=lambda i: self.pools[0] if i % 6 == 0 else None,
            job_uuid=lambda i: self.jobs[0] if i % 4 == 1 else None,
            duration=lambda i: float(10 + i),
        )
        self.emu = emu

    def where(self, predicate: Any) -> set[str]:
        return {u for i, u in enumerate(self.uuids) if predicate(i)}

    def created(self, index: int) -> str:
        return format_date(self.emu._state.store.tasks[self.uuids[index]].created)


@pytest.fixture
def seeded(qarnot_emulator: Emulator) -> Seeded:
    return Seeded(qarnot_emulator)


async def search(api: Api, filter_: Any, path: str = "/tasks/search") -> set[str]:
    status, body = await api.call("POST", path, json={"filter": filter_})
    assert status == 200, body
    return {item["uuid"] for item in body}


def leaf(operator: str, field: str, value: Any) -> dict[str, Any]:
    return {"operator": operator, "field": field, "value": value}


def many(operator: str, field: str, values: list[Any]) -> dict[str, Any]:
    return {"operator": operator, "field": field, "values": values}


async def test_every_operator_on_text_fields(api: Api, seeded: Seeded) -> None:
    def n(i: int) -> str:  # the seeded names
        return f"n{i % 7}"

    cases = [
        (leaf("Equal", "Name", "n3"), seeded.where(lambda i: n(i) == "n3")),
        (leaf("NotEqual", "Name", "n3"), seeded.where(lambda i: n(i) != "n3")),
        (many("In", "Name", ["n1", "n2"]), seeded.where(lambda i: n(i) in ("n1", "n2"))),
        (many("NotIn", "Name", ["n1", "n2"]), seeded.where(lambda i: n(i) not in ("n1", "n2"))),
        (leaf("LessThan", "Name", "n2"), seeded.where(lambda i: n(i) < "n2")),
        (leaf("LessThanOrEqual", "Name", "n2"), seeded.where(lambda i: n(i) <= "n2")),
        (leaf("GreaterThan", "Name", "n5"), seeded.where(lambda i: n(i) > "n5")),
        (leaf("GreaterThanOrEqual", "Name", "n5"), seeded.where(lambda i: n(i) >= "n5")),
        (leaf("Like", "Name", "N%"), set(seeded.uuids)),
        (leaf("Like", "Name", "%4"), seeded.where(lambda i: n(i) == "n4")),
        (leaf("Like", "Name", "n_"), set(seeded.uuids)),
        (leaf("Equal", "Shortname", "short-7"), {seeded.uuids[7]}),
        (leaf("Like", "Shortname", "short-1%"), seeded.where(lambda i: str(i).startswith("1"))),
        (leaf("Equal", "Profile", "blender"), seeded.where(lambda i: i % 2 == 0)),
        (leaf("Like", "Profile", "dock%"), seeded.where(lambda i: i % 2 == 1)),
        # The SDK sends In with a single "value".
        (leaf("In", "Profile", "blender"), seeded.where(lambda i: i % 2 == 0)),
    ]
    for filter_, expected in cases:
        assert await search(api, filter_) == expected, filter_


async def test_uuid_state_pool_and_job_fields(api: Api, seeded: Seeded) -> None:
    first, second = seeded.uuids[0], seeded.uuids[1]
    cases = [
        (leaf("Equal", "Uuid", first.upper()), {first}),
        (many("In", "Uuid", [first, second]), {first, second}),
        (many("NotIn", "Uuid", [first]), set(seeded.uuids) - {first}),
        (leaf("Like", "Uuid", first[:8] + "%"), {first}),
        (leaf("Equal", "State", "Success"), seeded.where(lambda i: i % 4 == 0)),
        (leaf("Equal", "state", "failure"), seeded.where(lambda i: i % 4 == 1)),
        (many("In", "State", ["Cancelled", "Submitted"]), seeded.where(lambda i: i % 4 >= 2)),
        (leaf("NotEqual", "State", "Success"), seeded.where(lambda i: i % 4 != 0)),
        (leaf("Equal", "PoolUuid", seeded.pools[0]), seeded.where(lambda i: i % 6 == 0)),
        (leaf("Equal", "PoolUuid", None), seeded.where(lambda i: i % 6 != 0)),
        (leaf("Equal", "JobUuid", seeded.jobs[0]), seeded.where(lambda i: i % 4 == 1)),
        (leaf("NotEqual", "JobUuid", seeded.jobs[0]), seeded.where(lambda i: i % 4 != 1)),
    ]
    for filter_, expected in cases:
        assert await search(api, filter_) == expected, filter_


async def test_tags_match_if_any_tag_matches(api: Api, seeded: Seeded) -> None:
    cases = [
        (leaf("Equal", "Tags", "common"), seeded.where(lambda i: i % 3 == 0)),
        (leaf("NotEqual", "Tags", "common"), seeded.where(lambda i: i % 3 != 0)),
        (many("In", "Tags", ["odd", "even3"]), seeded.where(lambda i: i % 3 != 2)),
        (many("NotIn", "Tags", ["odd", "even3"]), seeded.where(lambda i: i % 3 == 2)),
        (leaf("Like", "Tags", "ev%"), seeded.where(lambda i: i % 3 == 0)),
        (leaf("GreaterThan", "Tags", "even3"), seeded.where(lambda i: i % 3 == 1)),
    ]
    for filter_, expected in cases:
        assert await search(api, filter_) == expected, filter_


async def test_labels_are_key_equals_value(api: Api, seeded: Seeded) -> None:
    cases = [
        (leaf("Equal", "Labels", "env=prod"), seeded.where(lambda i: i % 2 == 1)),
        (leaf("NotEqual", "Labels", "env=prod"), seeded.where(lambda i: i % 2 == 0)),
        (leaf("Equal", "Labels", "idx"), set(seeded.uuids)),
        (leaf("NotEqual", "Labels", "missing"), set(seeded.uuids)),
        (many("In", "Labels", ["idx=1", "idx=2"]), {seeded.uuids[1], seeded.uuids[2]}),
        (many("NotIn", "Labels", ["env=dev"]), seeded.where(lambda i: i % 2 == 1)),
        (leaf("Like", "Labels", "idx=5%"), seeded.where(lambda i: str(i).startswith("5"))),
    ]
    for filter_, expected in cases:
        assert await search(api, filter_) == expected, filter_


async def test_dates_and_numbers(api: Api, seeded: Seeded) -> None:
    tenth = seeded.created(10)
    cases = [
        (leaf("GreaterThan", "CreationDate", tenth), seeded.where(lambda i: i > 10)),
        (leaf("GreaterThanOrEqual", "CreationDate", tenth), seeded.where(lambda i: i >= 10)),
        (leaf("LessThan", "CreationDate", tenth), seeded.where(lambda i: i < 10)),
        (leaf("LessThanOrEqual", "CreationDate", tenth), seeded.where(lambda i: i <= 10)),
        (leaf("Equal", "CreationDate", tenth), {seeded.uuids[10]}),
        (leaf("NotEqual", "CreationDate", tenth), seeded.where(lambda i: i != 10)),
        (
            many("In", "CreationDate", [tenth, seeded.created(3)]),
            {seeded.uuids[10], seeded.uuids[3]},
        ),
        (leaf("GreaterThanOrEqual", "InstanceCount", "3"), seeded.where(lambda i: 1 + i % 5 >= 3)),
        (leaf("LessThan", "InstanceCount", 2), seeded.where(lambda i: 1 + i % 5 < 2)),
        (many("In", "InstanceCount", ["1", "5"]), seeded.where(lambda i: 1 + i % 5 in (1, 5))),
        (
            many("NotIn", "InstanceCount", ["1", "5"]),
            seeded.where(lambda i: 1 + i % 5 not in (1, 5)),
        ),
        (leaf("Equal", "InstanceCount", "4"), seeded.where(lambda i: 1 + i % 5 == 4)),
        (leaf("NotEqual", "InstanceCount", "4"), seeded.where(lambda i: 1 + i % 5 != 4)),
        (leaf("GreaterThan", "InstanceCount", "4"), seeded.where(lambda i: 1 + i % 5 > 4)),
        (leaf("LessThanOrEqual", "InstanceCount", "1"), seeded.where(lambda i: 1 + i % 5 <= 1)),
    ]
    for filter_, expected in cases:
        assert await search(api, filter_) == expected, filter_


async def test_and_or_nesting(api: Api, seeded: Seeded) -> None:
    nested = {
        "operator": "Or",
        "filters": [
            {
                "operator": "And",
                "filters": [leaf("Equal", "State", "Success"), leaf("Equal", "Tags", "common")],
            },
            leaf("Equal", "Profile", "docker-batch"),
        ],
    }
    expected = seeded.where(lambda i: (i % 4 == 0 and i % 3 == 0) or i % 2 == 1)
    assert await search(api, nested) == expected
    assert await search(api, {"operator": "And", "filters": []}) == set(seeded.uuids)
    assert await search(api, {"operator": "Or", "filters": []}) == set()
    paged = await api.ok("POST", "/tasks/paginate", json={"filter": nested, "maximumResults": 1000})
    assert {t["uuid"] for t in paged["data"]} == expected
    assert paged["total"] == len(expected)


@pytest.mark.parametrize(
    "filter_",
    [
        leaf("Equal", "Nope", "x"),
        leaf("Sideways", "Name", "x"),
        leaf("Like", "InstanceCount", "1%"),
        leaf("GreaterThan", "CreationDate", "yesterday"),
        leaf("Equal", "InstanceCount", "many"),
        {"operator": "Equal", "field": "Name"},
        {"operator": "Equal", "field": "Name", "value": "x", "filters": []},
        {"operator": "And", "filters": "nope"},
        {"field": "Name", "value": "x"},
        leaf("LessThan", "Name", None),
        many("Equal", "Name", ["a", "b"]),
        "Name = x",
    ],
)
async def test_bad_filters_are_400(api: Api, filter_: Any) -> None:
    for path in ("/tasks/search", "/tasks/paginate", "/pools/search", "/jobs/paginate"):
        status, body = await api.call("POST", path, json={"filter": filter_})
        assert status == 400, (path, body)
        assert set(body["errors"]) == {"filter"}


@pytest.mark.qarnot_emulator(refuse_filter_fields={"Uuid"})
async def test_refused_filter_fields(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = qarnot_emulator.seed_tasks(1)[0]
    for filter_ in (
        leaf("Equal", "Uuid", uuid),
        {"operator": "And", "filters": [many("In", "uuid", [uuid])]},
    ):
        status, body = await api.call("POST", "/tasks/paginate", json={"filter": filter_})
        assert status == 400
        assert "Uuid" in body["errors"]["filter"][0]
    assert await search(api, leaf("Equal", "Shortname", uuid)) == {uuid}


async def page_all(api: Api, path: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    token = None
    while True:
        body = await api.ok("POST", path, json={**request, "token": token})
        pages.append(body)
        token = body["nextToken"]
        if not body["isTruncated"]:
            assert token is None
            return pages
        assert token is not None


async def test_pages_count_total_and_tokens(api: Api, qarnot_emulator: Emulator) -> None:
    uuids = qarnot_emulator.seed_tasks(250)
    pages = await page_all(api, "/tasks/summaries/paginate", {"maximumResults": 100})
    assert [p["count"] for p in pages] == [100, 100, 50]
    assert [p["total"] for p in pages] == [250, 250, 250]
    assert [p["isTruncated"] for p in pages] == [True, True, False]
    seen = [t["uuid"] for p in pages for t in p["data"]]
    assert seen == uuids  # creation order, as seeded one second apart
    backwards = await page_all(api, "/tasks/paginate", {"maximumResults": 100, "orderType": "DESC"})
    assert [t["uuid"] for p in backwards for t in p["data"]] == uuids[::-1]
    default = await api.ok("POST", "/tasks/paginate", json={})
    assert default["count"] == DEFAULT_PAGE_SIZE
    assert "status" in default["data"][0]


async def test_orders_tie_break_by_uuid(
    api: Api, seeded: Seeded, qarnot_emulator: Emulator
) -> None:
    tasks = qarnot_emulator._state.store.tasks
    for order_by, key in (
        ("name", lambda u: (tasks[u].name, u)),
        ("state", lambda u: (tasks[u].state, u)),
        (
            "executionTime",
            lambda u: (
                tasks[u].duration * len(tasks[u].instance_ids)
                if tasks[u].state in ("Success", "Failure")
                else 0.0,
                u,
            ),
        ),
        ("creationDate", lambda u: (tasks[u].created, u)),
    ):
        for order_type in ("ASC", "DESC"):
            pages = await page_all(
                api,
                "/tasks/summaries/paginate",
                {"maximumResults": 7, "orderBy": order_by, "orderType": order_type},
            )
            seen = [t["uuid"] for p in pages for t in p["data"]]
            assert seen == sorted(seeded.uuids, key=key, reverse=order_type == "DESC"), (
                order_by,
                order_type,
            )


async def test_tokens_are_bound_to_their_query(api: Api, qarnot_emulator: Emulator) -> None:
    qarnot_emulator.seed_tasks(5, tags=["a"])
    qarnot_emulator.seed_pools(5)
    first = await api.ok(
        "POST", "/tasks/paginate", json={"maximumResults": 2, "filter": leaf("Equal", "Tags", "a")}
    )
    token = first["nextToken"]
    for changed in (
        {"filter": leaf("Equal", "Tags", "b")},
        {"filter": None},
        {"filter": leaf("Equal", "Tags", "a"), "orderBy": "name"},
        {"filter": leaf("Equal", "Tags", "a"), "orderType": "DESC"},
    ):
        status, body = await api.call(
            "POST", "/tasks/paginate", json={"maximumResults": 2, "token": token, **changed}
        )
        assert status == 400, changed
        assert set(body["errors"]) == {"token"}
    for forged in (token[:-2] + "xx", "garbage", token.replace(".", "")):
        status, body = await api.call(
            "POST",
            "/tasks/paginate",
            json={"maximumResults": 2, "token": forged, "filter": leaf("Equal", "Tags", "a")},
        )
        assert status == 400
        assert set(body["errors"]) == {"token"}
    status, _ = await api.call(
        "POST", "/pools/paginate", json={"maximumResults": 2, "token": token}
    )
    assert status == 400
    # The summaries route pages the same tasks: its tokens continue each other.
    same = await api.ok(
        "POST",
        "/tasks/summaries/paginate",
        json={"maximumResults": 2, "token": token, "filter": leaf("Equal", "Tags", "a")},
    )
    assert same["count"] == 2
    assert same["data"][0]["uuid"] not in {t["uuid"] for t in first["data"]}


async def test_page_size_limits(api: Api, qarnot_emulator: Emulator) -> None:
    qarnot_emulator.seed_tasks(MAX_PAGE_SIZE + 5)
    big = await api.ok("POST", "/tasks/summaries/paginate", json={"maximumResults": 50_000})
    assert big["count"] == MAX_PAGE_SIZE
    assert big["isTruncated"] is True
    for bad in (0, -1, "10", 2.5, True):
        status, body = await api.call("POST", "/tasks/paginate", json={"maximumResults": bad})
        assert status == 400, bad
        assert set(body["errors"]) == {"maximumResults"}
    for field, value in (("orderBy", "size"), ("orderType", "UP"), ("orderBy", 3)):
        status, body = await api.call("POST", "/tasks/paginate", json={field: value})
        assert status == 400
        assert set(body["errors"]) == {field}
    status, body = await api.call("POST", "/jobs/paginate", json={"orderBy": "executionTime"})
    assert status == 400
    assert set(body["errors"]) == {"orderBy"}


async def test_keyset_pages_survive_inserts_and_deletes(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuids = qarnot_emulator.seed_tasks(30)
    first = await api.ok("POST", "/tasks/paginate", json={"maximumResults": 10})
    assert [t["uuid"] for t in first["data"]] == uuids[:10]
    await api.ok("DELETE", f"/tasks/{uuids[3]}")  # already seen
    await api.ok("DELETE", f"/tasks/{uuids[12]}")  # not seen yet
    await qarnot_emulator.advance(1)  # the last seeded task was created "now": come after it
    created = await api.create_task()
    rest: list[str] = []
    token = first["nextToken"]
    while token:
        page = await api.ok("POST", "/tasks/paginate", json={"maximumResults": 10, "token": token})
        rest += [t["uuid"] for t in page["data"]]
        token = page["nextToken"]
    assert rest == [u for u in uuids[10:] if u != uuids[12]] + [created]


async def test_pools_and_jobs_paginate_and_search(api: Api, qarnot_emulator: Emulator) -> None:
    pools = qarnot_emulator.seed_pools(12, tags=lambda i: ["x"] if i % 2 else [])
    jobs = qarnot_emulator.seed_jobs(12, name=lambda i: f"job-{i:02d}")
    pool_pages = await page_all(api, "/pools/summaries/paginate", {"maximumResults": 5})
    assert [p["uuid"] for page in pool_pages for p in page["data"]] == pools
    full = await api.ok(
        "POST", "/pools/paginate", json={"maximumResults": 5, "filter": leaf("Equal", "Tags", "x")}
    )
    assert full["total"] == 6
    assert "status" in full["data"][0]
    job_pages = await page_all(
        api, "/jobs/paginate", {"maximumResults": 5, "orderBy": "name", "orderType": "DESC"}
    )
    assert [j["uuid"] for page in job_pages for j in page["data"]] == jobs[::-1]
    assert await search(api, leaf("Like", "Name", "job-1%"), "/jobs/search") == set(jobs[10:])
    assert await search(api, leaf("Equal", "UseDependencies", "false"), "/jobs/search") == set(jobs)
    assert await search(api, leaf("Equal", "Tags", "x"), "/pools/search") == set(pools[1::2])


async def test_search_select_and_maximum(api: Api, qarnot_emulator: Emulator) -> None:
    uuids = qarnot_emulator.seed_tasks(5, name="t{i}")
    selected = await api.ok(
        "POST", "/tasks/search", json={"select": {"fields": ["Uuid", "name", "State"]}}
    )
    assert selected == [
        {"uuid": u, "name": f"t{i}", "state": "Success"} for i, u in enumerate(uuids)
    ]
    limited = await api.ok(
        "POST",
        "/tasks/search",
        json={"maximumResults": 2, "filter": leaf("NotEqual", "Name", "t0")},
    )
    assert [t["uuid"] for t in limited] == uuids[1:3]
    assert "status" in limited[0]
    for body, field in (
        ({"select": {"fields": ["Uuid", "Colour"]}}, "select.fields"),
        ({"select": {"fields": "Uuid"}}, "select.fields"),
        ({"maximumResults": 0}, "maximumResults"),
    ):
        status, answer = await api.call("POST", "/tasks/search", json=body)
        assert status == 400
        assert set(answer["errors"]) == {field}
    # An unknown field is refused even when nothing matches.
    status, _ = await api.call(
        "POST",
        "/pools/search",
        json={"select": {"fields": ["Colour"]}, "filter": leaf("Equal", "Name", "none")},
    )
    assert status == 400
    pools = await api.ok(
        "POST", "/pools/search", json={"select": {"fields": ["TotalSlotCapacity"]}}
    )
    assert pools == []


async def test_a_select_of_summary_members_answers_what_the_full_output_says(
    api: Api, qarnot_emulator: Emulator
) -> None:
    # Read from the summary when every selected member is one of its members: the
    # same values as the full output's, whatever the state (running ones move).
    emu = qarnot_emulator
    emu.seed_tasks(3, name="done{i}")
    emu.seed_tasks(3, name="run{i}", state="Submitted", run=True, duration=100.0)
    emu.seed_pools(2, name="p{i}")
    await emu.advance(5)
    summary_members = ["Uuid", "State", "StateTransitionTime", "Progress", "WallTime"]
    for route, fields in (
        ("/tasks/search", summary_members),
        ("/tasks/search", [*summary_members, "Status"]),  # not a summary member
        ("/pools/search", ["Uuid", "State", "StateTransitionTime", "RunningCoreCount"]),
    ):
        full = await api.ok("POST", route, json={})
        selected = await api.ok("POST", route, json={"select": {"fields": fields}})
        keys = [next(k for k in full[0] if k.lower() == f.lower()) for f in fields]
        assert selected == [{k: item[k] for k in keys} for item in full]
        assert len(selected) == len(full) > 0


async def test_paging_a_hundred_thousand_tasks(api: Api, qarnot_emulator: Emulator) -> None:
    uuids = qarnot_emulator.seed_tasks(100_000)
    pages = await page_all(api, "/tasks/summaries/paginate", {"maximumResults": 1000})
    seen = [t["uuid"] for p in pages for t in p["data"]]
    assert len(pages) == 100
    assert seen == uuids  # speed is measured in benchmarks/, never asserted here


async def test_tasks_created_at_the_same_instant_keep_their_order(api: Api) -> None:
    items = [{"name": f"t{i}", "profile": "docker-batch", "instanceCount": 1} for i in range(20)]
    uuids = [item["uuid"] for item in await api.ok("POST", "/tasks", json=items)]
    uuids.append(await api.create_task())
    page = await api.ok("POST", "/tasks/summaries/paginate", json={"maximumResults": 100})
    assert [t["uuid"] for t in page["data"]] == uuids
    dates = [t["creationDate"] for t in page["data"]]
    assert len(set(dates)) == 21
    # A date read back from the wire selects exactly its task.
    assert await search(api, leaf("Equal", "CreationDate", dates[7])) == {uuids[7]}
    assert await search(api, leaf("GreaterThan", "CreationDate", dates[18])) == set(uuids[19:])


async def test_filters_on_uuids_and_shortnames_match_as_a_scan_does(
    api: Api, seeded: Seeded
) -> None:
    # Read from the store's indexes; the same leaves under an Or (no index) scan every
    # task: both ways must agree, the rest of the filter applied to the candidates.
    few = [seeded.uuids[i] for i in (0, 1, 5, 8)]
    cases = [
        many("In", "Uuid", [*few, "no-such-uuid", few[0].upper()]),
        leaf("Equal", "Uuid", few[2].upper()),
        many("In", "Shortname", ["short-1", "short-8", "nobody"]),
        leaf("In", "Shortname", "short-5"),
        {
            "operator": "And",
            "filters": [many("In", "Uuid", few), leaf("Equal", "State", "Success")],
        },
        {"operator": "and", "filters": [leaf("Equal", "Name", "n1"), many("In", "Uuid", few)]},
    ]
    for filter_ in cases:
        scanned = {"operator": "Or", "filters": [filter_]}
        assert await search(api, filter_) == await search(api, scanned), filter_
        assert await search(api, filter_)
    assert await search(api, cases[0]) == set(few)
    assert await search(api, cases[4]) == {seeded.uuids[0], seeded.uuids[8]}
    # Still paged in order, with tokens.
    pages = await page_all(
        api, "/tasks/summaries/paginate", {"maximumResults": 2, "filter": cases[0]}
    )
    assert [t["uuid"] for p in pages for t in p["data"]] == few


async def test_the_default_order_follows_seeds_deletes_and_creations(
    api: Api, qarnot_emulator: Emulator
) -> None:
    emu = qarnot_emulator
    later = emu.seed_tasks(3, creation_date=lambda i: 2_000_000_000 + i)
    earlier = emu.seed_tasks(3, creation_date=lambda i: 1_000_000_000 + i)
    await api.ok("DELETE", f"/tasks/{later[1]}")
    await emu.advance(2_000_000_000)  # now comes after every seeded date
    created = await api.create_task()
    pages = await page_all(api, "/tasks/summaries/paginate", {"maximumResults": 2})
    expected = [*earlier, later[0], later[2], created]
    assert [t["uuid"] for p in pages for t in p["data"]] == expected
    backwards = await page_all(api, "/tasks/paginate", {"maximumResults": 4, "orderType": "DESC"})
    assert [t["uuid"] for p in backwards for t in p["data"]] == expected[::-1]
