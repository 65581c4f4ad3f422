"""Stored membership equals a direct Python computation, and follows the data when refreshed."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers import merging, privacy
from nabd.customers.models import Customer
from nabd.segments import service
from nabd.segments.models import SegmentMembership
from tests.factories import make_workspace
from tests.segments.factories import NOW, RIYADH, Person, make_people, make_segment


def _bucket(score: int | None) -> str | None:
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


CASES: list[tuple[dict[str, Any], Callable[[Person], bool]]] = [
    (RIYADH, lambda p: p.city == "Riyadh"),
    (
        {
            "match": "all",
            "conditions": [
                {
                    "field": "attribute",
                    "key": "city",
                    "operator": "in",
                    "value": ["Riyadh", "Jeddah"],
                },
                {"field": "total_spend", "operator": "gte", "value": 1000},
            ],
        },
        lambda p: p.city in ("Riyadh", "Jeddah") and p.total_spend >= 1000,
    ),
    (
        {
            "match": "any",
            "conditions": [
                {"field": "nps_bucket", "operator": "equals", "value": "detractor"},
                {"field": "csat", "operator": "lte", "value": 2},
            ],
        },
        lambda p: (
            _bucket(p.latest_nps) == "detractor"
            or (p.latest_csat is not None and p.latest_csat <= 2)
        ),
    ),
    (
        {"conditions": [{"field": "attribute", "key": "city", "operator": "exists"}]},
        lambda p: p.city is not None,
    ),
    (
        {
            "conditions": [
                {"field": "attribute", "key": "city", "operator": "contains", "value": "dd"}
            ]
        },
        lambda p: p.city is not None and "dd" in p.city.lower(),
    ),
    (
        {
            "conditions": [
                {"field": "last_purchase", "operator": "within_days", "value": 90},
                {"field": "language", "operator": "equals", "value": "ar"},
            ]
        },
        lambda p: (
            p.last_purchase_at is not None
            and p.last_purchase_at >= NOW - timedelta(days=90)
            and p.language == "ar"
        ),
    ),
    (
        {"conditions": [{"field": "last_purchase", "operator": "never"}]},
        lambda p: p.last_purchase_at is None,
    ),
    (
        {"conditions": [{"field": "last_contact", "operator": "before_days", "value": 60}]},
        lambda p: p.last_seen_at < NOW - timedelta(days=60),
    ),
    (
        {"conditions": [{"field": "order_count", "operator": "equals", "value": 3}]},
        lambda p: p.order_count == 3,
    ),
    (
        {"conditions": [{"field": "channel", "operator": "in", "value": ["web"]}]},
        lambda p: "web" in p.channels,
    ),
    (
        {
            "conditions": [
                {"field": "nps_bucket", "operator": "in", "value": ["promoter", "passive"]}
            ]
        },
        lambda p: _bucket(p.latest_nps) in ("promoter", "passive"),
    ),
]


def _members(session: Session, segment_id: int) -> set[int]:
    return set(
        session.scalars(
            select(SegmentMembership.customer_id).where(SegmentMembership.segment_id == segment_id)
        )
    )


@pytest.mark.parametrize(("definition", "expected"), CASES)
def test_membership_equals_a_direct_computation(
    session: Session, definition: dict[str, Any], expected: Callable[[Person], bool]
) -> None:
    workspace = make_workspace(session)
    people, _survey = make_people(session, workspace)
    segment = make_segment(session, workspace, definition)
    size = service.refresh_segment(session, segment=segment, now=NOW)
    session.commit()
    wanted = {person.id for person in people if expected(person)}
    assert _members(session, segment.id) == wanted
    assert size == segment.size == len(wanted)
    assert service.preview_size(
        session, workspace_id=workspace.id, document=definition, now=NOW
    ) == len(wanted)


def test_refresh_follows_changed_data_and_drops_erased_and_merged_customers(
    session: Session,
) -> None:
    workspace = make_workspace(session)
    people, _survey = make_people(session, workspace, count=12)
    spend = {"conditions": [{"field": "total_spend", "operator": "gte", "value": 100}]}
    segment = make_segment(session, workspace, spend)
    before = _members(session, segment.id)
    assert before == {p.id for p in people if p.total_spend >= 100}

    outsider = next(p for p in people if p.total_spend < 100)
    customer = session.get(Customer, outsider.id)
    assert customer is not None
    customer.total_spend = Decimal(250)
    session.commit()
    assert outsider.id not in _members(session, segment.id)  # stored: as of the last refresh
    service.refresh_workspace(session, workspace_id=workspace.id)
    session.commit()
    assert outsider.id in _members(session, segment.id)

    erased, source, target = sorted(_members(session, segment.id))[:3]
    privacy.erase_customer(
        session, workspace_id=workspace.id, customer_id=erased, actor=SYSTEM_ACTOR
    )
    merging.merge_customers(
        session, workspace_id=workspace.id, target_id=target, source_id=source, actor=SYSTEM_ACTOR
    )
    session.commit()
    members = _members(session, segment.id)
    assert erased not in members and source not in members and target in members
    service.refresh_workspace(session, workspace_id=workspace.id)
    session.commit()
    assert erased not in _members(session, segment.id)
    assert segment.size == len(_members(session, segment.id))


def test_an_unknown_channel_key_is_refused_with_its_path(session: Session) -> None:
    workspace = make_workspace(session)
    with pytest.raises(service.InvalidDefinition) as caught:
        service.checked_definition(
            session,
            workspace_id=workspace.id,
            document={"conditions": [{"field": "channel", "operator": "in", "value": ["fax"]}]},
        )
    assert caught.value.details[0].field == "definition.conditions[0].value[0]"
