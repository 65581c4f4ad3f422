"""The places of a batch looked up with the event-writer lock and its savepoint (PostgreSQL)."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from nabd.core.plain_rows import is_sqlite, rollback_to_savepoint
from nabd.events.places import index_places, index_places_at_savepoint
from nabd.events.writers import holding_event_writers
from nabd.journeys.models import Channel, Touchpoint
from tests.factories import make_workspace


def test_places_at_a_savepoint_are_those_of_index_places(session: Session) -> None:
    """Same index as `index_places`, keys quoted (one holds a quote), the lock held and the
    savepoint set in the same round trip."""
    if is_sqlite(session):
        pytest.skip("the lane's PostgreSQL path")
    workspace = make_workspace(session)
    web = Channel(workspace_id=workspace.id, key="web", name_ar="w", name_en="w")
    odd = Channel(workspace_id=workspace.id, key="o'brien", name_ar="o", name_en="o")
    session.add_all([web, odd])
    session.flush()
    session.add(
        Touchpoint(
            workspace_id=workspace.id, key="checkout", name_ar="c", name_en="c", channel_id=web.id
        )
    )
    channels = {"web", "o'brien", "shop", None}
    touchpoints = {"checkout", "cart", None}
    expected = index_places(
        session, workspace_id=workspace.id, channel_keys=channels, touchpoint_keys=touchpoints
    )
    for channel_keys, touchpoint_keys in ((channels, touchpoints), ({None}, set()), ((), ())):
        found = index_places_at_savepoint(
            session,
            workspace_id=workspace.id,
            channel_keys=channel_keys,
            touchpoint_keys=touchpoint_keys,
            before=holding_event_writers(workspace.id),
            savepoint="nabd_test",
        )
        assert found.channels == {
            key: id_ for key, id_ in expected.channels.items() if key in channel_keys
        }
        assert found.touchpoints == {
            key: place for key, place in expected.touchpoints.items() if key in touchpoint_keys
        }
    assert expected.channels.keys() == {"web", "o'brien"}
    assert expected.touchpoints.keys() == {"checkout"}
    held = session.scalar(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
    )
    assert held
    rollback_to_savepoint(session, "nabd_test")  # set: the rollback to it succeeds
