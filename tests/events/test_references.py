"""`events` has no foreign keys: no event ever points at a deleted workspace, customer,
touchpoint or channel, whichever way the row went (nabd.events.models.Event). Nor have a
customer's seen row, identities and search terms a workspace key, nor the seen row a
customer key (migration 0024)."""

import time
from datetime import timedelta

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.customers import merging, privacy
from nabd.customers.models import (
    Customer,
    CustomerIdentity,
    CustomerSearchTerm,
    CustomerSeen,
)
from nabd.events.ingest import ingest_events
from nabd.events.models import Event
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn
from nabd.journeys.models import Channel, Touchpoint
from nabd.workspaces.models import Workspace
from tests.customers.factories import add_history, erase_in_thread, make_customer, make_places
from tests.events.factories import T0
from tests.factories import make_workspace
from tests.threads import in_thread

# Each of the four ids events carry, and the table it names.
REFERENCES = (
    ("workspace_id", "workspaces"),
    ("customer_id", "customers"),
    ("touchpoint_id", "touchpoints"),
    ("channel_id", "channels"),
)


def orphans(session: Session) -> dict[str, int]:
    """Events per column whose id names no row."""
    found = {}
    for column, table in REFERENCES:
        found[column] = session.scalar(
            text(
                f"SELECT count(*) FROM events AS e WHERE e.{column} IS NOT NULL "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {table} AS r WHERE r.id = e.{column})"
            )
        )
    return found


NONE = {column: 0 for column, _table in REFERENCES}
FIRST_EMAIL = "first@example.com"


def _events_of(session: Session, customer_id: int) -> int:
    statement = select(func.count()).select_from(Event).where(Event.customer_id == customer_id)
    return session.scalar(statement) or 0


def _history(session: Session) -> tuple[Workspace, Customer, Customer, Channel, Touchpoint]:
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    first = make_customer(session, workspace, "First", email=FIRST_EMAIL)
    second = make_customer(session, workspace, "Second", email="second@example.com")
    add_history(session, workspace, first, channel=channel, touchpoint=touchpoint)
    add_history(session, workspace, second, order_prefix="B", channel=channel)
    session.commit()
    return workspace, first, second, channel, touchpoint


def test_a_merge_moves_the_events_and_its_undoing_moves_them_back(session: Session) -> None:
    workspace, first, second, _channel, _touchpoint = _history(session)
    record = merging.merge_customers(
        session,
        workspace_id=workspace.id,
        target_id=second.id,
        source_id=first.id,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert record.moved["events"]
    assert (_events_of(session, first.id), _events_of(session, second.id)) == (0, 6)
    assert orphans(session) == NONE
    merging.unmerge(session, workspace_id=workspace.id, merge_id=record.id, actor=SYSTEM_ACTOR)
    session.commit()
    assert (_events_of(session, first.id), _events_of(session, second.id)) == (3, 3)
    assert orphans(session) == NONE


def test_an_erasure_leaves_no_event_pointing_at_the_customer(session: Session) -> None:
    workspace, first, second, _channel, _touchpoint = _history(session)
    privacy.erase_customer(
        session, workspace_id=workspace.id, customer_id=first.id, actor=SYSTEM_ACTOR
    )
    session.commit()
    assert _events_of(session, first.id) == 0
    assert _events_of(session, second.id) == 3
    assert session.scalar(select(func.count()).select_from(Event)) == 6  # anonymised, kept
    assert orphans(session) == NONE


def test_deleting_a_customer_deletes_its_events_and_seen_row(session: Session) -> None:
    _workspace, first, second, _channel, _touchpoint = _history(session)
    session.execute(delete(Customer).where(Customer.id == first.id))
    session.commit()
    assert (_events_of(session, first.id), _events_of(session, second.id)) == (0, 3)
    assert orphans(session) == NONE
    assert list(session.scalars(select(CustomerSeen.customer_id))) == [second.id]


def test_deleting_a_touchpoint_or_a_channel_clears_it_from_the_events(session: Session) -> None:
    _workspace, _first, _second, channel, touchpoint = _history(session)
    session.execute(delete(Touchpoint).where(Touchpoint.id == touchpoint.id))
    session.commit()
    assert session.scalar(select(func.count()).where(Event.touchpoint_id.is_not(None))) == 0
    assert session.scalar(select(func.count()).where(Event.channel_id == channel.id)) == 6
    session.execute(delete(Channel).where(Channel.id == channel.id))
    session.commit()
    assert session.scalar(select(func.count()).where(Event.channel_id.is_not(None))) == 0
    assert session.scalar(select(func.count()).select_from(Event)) == 6
    assert orphans(session) == NONE


def test_deleting_a_workspace_deletes_its_events(session: Session) -> None:
    workspace, _first, _second, _channel, _touchpoint = _history(session)
    other = make_workspace(session, "other")
    kept = make_customer(session, other, "Kept", email="kept@example.com")
    add_history(session, other, kept, order_prefix="K")
    session.execute(delete(Workspace).where(Workspace.id == workspace.id))
    session.commit()
    assert session.scalar(select(func.count()).select_from(Event)) == 3
    assert orphans(session) == NONE


def test_deleting_a_workspace_deletes_its_customers_seen_rows_identities_and_terms(
    session: Session,
) -> None:
    """They have no workspace key of their own (migration 0024): their customers take them."""
    workspace, _first, _second, _channel, _touchpoint = _history(session)
    other = make_workspace(session, "other")
    kept = make_customer(session, other, "Kept", email="kept@example.com")
    session.commit()
    session.execute(delete(Workspace).where(Workspace.id == workspace.id))
    session.commit()
    for model in (CustomerSeen, CustomerIdentity, CustomerSearchTerm):
        left = session.scalars(select(model.customer_id).distinct())
        assert list(left) == [kept.id], model.__tablename__


def _batch(email: str) -> list[tuple[int, EventIn]]:
    return [
        (
            n,
            EventIn.model_validate(
                {
                    "event_id": f"late-{email}-{n}",
                    "customer": {"email": email},
                    "type": "page_view",
                    "timestamp": (T0 + timedelta(seconds=n)).isoformat(),
                }
            ),
        )
        for n in range(20)
    ]


def test_an_erasure_waits_for_a_batch_in_flight_and_then_anonymises_it(
    engine: Engine, session: Session
) -> None:
    workspace, first, _second, _channel, _touchpoint = _history(session)
    workspace_id, first_id = workspace.id, first.id
    factory = create_session_factory(engine)
    with transaction(factory) as ingesting:
        ingest_events(ingesting, workspace_id=workspace_id, events=rows_of(_batch(FIRST_EMAIL)))

        thread, failures = erase_in_thread(factory, workspace_id=workspace_id, customer_id=first_id)
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the batch's commit
    thread.join(timeout=30)
    assert failures == []
    session.expire_all()
    assert _events_of(session, first_id) == 0
    assert session.scalar(select(func.count()).select_from(Event)) == 26
    assert orphans(session) == NONE


def test_a_batch_waits_for_an_erasure_and_then_stores_a_new_customer(
    engine: Engine, session: Session
) -> None:
    workspace, first, _second, _channel, _touchpoint = _history(session)
    workspace_id, first_id = workspace.id, first.id
    factory = create_session_factory(engine)
    with transaction(factory) as erasing:
        privacy.erase_customer(
            erasing, workspace_id=workspace_id, customer_id=first_id, actor=SYSTEM_ACTOR
        )

        def ingest() -> None:
            with transaction(factory) as ingesting:
                ingest_events(
                    ingesting, workspace_id=workspace_id, events=rows_of(_batch(FIRST_EMAIL))
                )

        thread, failures = in_thread(ingest)
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the erasure's commit
    thread.join(timeout=30)
    assert failures == []
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Customer)) == 2  # a new one
    assert _events_of(session, first_id) == 0
    assert orphans(session) == NONE
