"""`nabd.api.lane`: every route it serves has its checks pinned here.

The lane does a route's checks itself (the token cache with the route's permission, the
content type, the phone region, and the route's own `serve`: its body schema, its headers), so
each lane route's dependencies and parameters are pinned: one added to the route fails this
test until its lane does it too, or leaves such requests to the route.
"""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext

from nabd.api.access import api_routes, route_access
from nabd.api.app import LANES
from nabd.api.lane import LaneCall, LaneRoute, path_pattern
from nabd.surveys.schemas import BatchIn, ResponseIn
from nabd.workspaces.roles import Permission

ACCESS = ("nabd.api.access.enforce_declared_access", [])
REQUIRE = (
    "nabd.api.access.require.<locals>.dependency",
    [("nabd.api.database._request_session", [])],
)
REGION = ("nabd.api.phone_region.workspace_phone_region", [])
SESSION = ("nabd.api.database._request_session", [])
RAW_BATCH = [ACCESS, SESSION, REQUIRE, REGION, ("nabd.events.api.raw_body", [])]

# Per lane route: its dependency tree, and its path, header and body parameters
# (name, annotation); query and cookie parameters: none.
PINNED: dict[str, tuple[list[Any], list[str], list[str], list[tuple[str, Any]]]] = {
    "/api/v1/surveys/{survey_id}/responses": (
        [ACCESS, ("nabd.api.database._group_commit", []), REQUIRE, REGION],
        ["survey_id"],
        ["idempotency_key"],
        [("data", ResponseIn)],
    ),
    "/api/v1/surveys/{survey_id}/responses/batch": (
        [ACCESS, SESSION, REQUIRE, REGION],
        ["survey_id"],
        [],
        [("data", BatchIn)],
    ),
    "/api/v1/events": (RAW_BATCH, [], [], []),
    "/api/v1/transactions": (RAW_BATCH, [], [], []),
}


def _dependency_tree(dependant: Dependant) -> list[Any]:
    return [
        (f"{d.call.__module__}.{d.call.__qualname__}", _dependency_tree(d))
        for d in dependant.dependencies
    ]


def _route(app: FastAPI, lane: LaneRoute) -> RouteContext:
    (route,) = [
        context
        for context in api_routes(app)
        if context.path == lane.path and lane.method in context.methods
    ]
    return route


def test_every_lane_route_is_pinned() -> None:
    assert sorted(lane.path for lane in LANES) == sorted(PINNED)


@pytest.mark.parametrize("lane", LANES, ids=lambda lane: lane.path)
def test_the_lane_vouches_for_every_check_the_route_declares(app: FastAPI, lane: LaneRoute) -> None:
    route = _route(app, lane)
    tree, path_params, header_params, body_params = PINNED[lane.path]
    assert _dependency_tree(route.dependant) == tree
    assert route_access(route) == lane.permission
    dependant = route.dependant
    assert [p.name for p in dependant.path_params] == path_params
    # The lane reads every path parameter as an id (`path_pattern`).
    assert all(p.field_info.annotation is int for p in dependant.path_params)
    assert [p.name for p in dependant.header_params] == header_params
    assert [(p.name, p.field_info.annotation) for p in dependant.body_params] == body_params
    assert dependant.query_params == dependant.cookie_params == []


RESPONSES = path_pattern("/api/v1/surveys/{survey_id}/responses")


@pytest.mark.parametrize("survey_id", ["1", "907", "10", "9" * 18])
def test_a_path_parameter_is_an_id(survey_id: str) -> None:
    match = RESPONSES.fullmatch(f"/api/v1/surveys/{survey_id}/responses")
    assert match is not None
    assert match["survey_id"] == survey_id


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/surveys/0/responses",
        "/api/v1/surveys/007/responses",  # FastAPI reads it as 7: the route answers
        "/api/v1/surveys/+7/responses",
        "/api/v1/surveys/-7/responses",
        "/api/v1/surveys/1_000/responses",
        "/api/v1/surveys/%s/responses" % ("9" * 19),
        "/api/v1/surveys/\u0661/responses",  # an Arabic-Indic digit
        "/api/v1/surveys/7.0/responses",
        "/api/v1/surveys/abc/responses",
        "/api/v1/surveys//responses",
        "/api/v1/surveys/1/2/responses",
        "/api/v1/surveys/1/responses/",
        "/api/v1/surveys/1/responsesX",
        "/api/v2/surveys/1/responses",
    ],
)
def test_other_paths_are_left_to_the_routes(path: str) -> None:
    assert RESPONSES.fullmatch(path) is None


def test_the_literal_parts_of_a_path_are_matched_as_they_are() -> None:
    pattern = path_pattern("/api/v1/exports.csv")
    assert pattern.fullmatch("/api/v1/exports.csv")
    assert pattern.fullmatch("/api/v1/exportsXcsv") is None


async def _never(call: LaneCall) -> None:
    raise AssertionError("not served")


@pytest.mark.parametrize(
    "path", ["/files/{name:path}", "/items/{item id}", "/items/{id", "/items/}"]
)
def test_a_lane_route_whose_path_the_lane_cannot_read_is_refused(path: str) -> None:
    with pytest.raises(ValueError):
        LaneRoute(method="POST", path=path, permission=Permission.EVENTS_WRITE, serve=_never)
