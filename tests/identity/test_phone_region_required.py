"""A phone number is never read without its workspace's region: forgetting it fails loudly
rather than reading the number as Saudi, and every API route that can receive one sets it."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from nabd.api.access import api_routes
from nabd.api.phone_region import workspace_phone_region
from nabd.customers.references import (
    CustomerReference,
    PhoneRegionNotSet,
    identities_of,
    normalise_phone,
    using_phone_region,
)
from nabd.surveys.schemas import CustomerRef


def test_a_phone_read_with_no_region_is_refused_as_a_bug() -> None:
    with pytest.raises(PhoneRegionNotSet):
        normalise_phone("0501234567")
    with pytest.raises(PhoneRegionNotSet):
        CustomerReference(phone="0501234567")
    with pytest.raises(PhoneRegionNotSet):
        CustomerRef(phone="+966501234567")
    with pytest.raises(PhoneRegionNotSet):
        identities_of([{"phone": "0501234567"}])


def test_a_region_given_or_set_reads_national_numbers_in_it() -> None:
    assert normalise_phone("01012345678", "EG") == "+201012345678"
    with using_phone_region("EG"):
        assert CustomerReference(phone="01012345678").phone == "+201012345678"
        assert identities_of([{"phone": "01012345678"}]) == [(("phone", "+201012345678"),)]
    with pytest.raises(PhoneRegionNotSet):
        normalise_phone("01012345678")  # the block's region does not outlive it


def _mentions_phone(schema: Any, components: dict[str, Any], seen: set[str]) -> bool:
    if isinstance(schema, list):
        return any(_mentions_phone(part, components, seen) for part in schema)
    if not isinstance(schema, dict):
        return False
    reference = schema.get("$ref")
    if isinstance(reference, str):
        name = reference.rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        return _mentions_phone(components[name], components, seen)
    if "phone" in schema.get("properties", {}):
        return True
    return any(_mentions_phone(value, components, seen) for value in schema.values())


def _depends_on(dependant: Dependant, call: Any) -> bool:
    return any(
        dependency.call is call or _depends_on(dependency, call)
        for dependency in dependant.dependencies
    )


def test_every_api_route_whose_body_can_hold_a_phone_sets_the_region(app: FastAPI) -> None:
    spec = app.openapi()
    components = spec["components"]["schemas"]
    with_phones = []
    for route in api_routes(app):
        for method in route.methods:
            operation = spec["paths"].get(route.path, {}).get(method.lower(), {})
            body = operation.get("requestBody", {}).get("content", {})
            shapes = [content.get("schema") for content in body.values()]
            # Raw-body routes document a model's own schema, with its "$defs".
            names = {**components, **{k: v for s in shapes for k, v in s.get("$defs", {}).items()}}
            if _mentions_phone(shapes, names, set()):
                with_phones.append((method, route.path))
                assert _depends_on(route.original_route.dependant, workspace_phone_region), (
                    f"{method} {route.path} reads phone numbers: declare PhoneRegion"
                )
    # The check found the routes known to take phones (so it can find a forgetful one). The
    # batch routes that read their raw body document items as plain objects; with no region
    # their first phone fails loudly (tests/events/test_phone_region.py sends them some).
    assert {
        ("POST", "/api/v1/identify"),
        ("POST", "/api/v1/surveys/{survey_id}/responses"),
        ("POST", "/api/v1/surveys/{survey_id}/links"),
        ("POST", "/api/v1/surveys/{survey_id}/invitations"),
    } <= set(with_phones)
