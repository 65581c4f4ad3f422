"""The timeline merges events, purchases and feedback newest first, with stable pages."""

from datetime import timedelta

from sqlalchemy.orm import Session

from nabd.customers.timeline import EntryKind, TimelineFilters, customer_timeline
from nabd.events import service as events
from tests.customers.factories import T0, add_history, make_customer, make_places
from tests.factories import make_workspace


def test_newest_first_across_kinds(session: Session) -> None:
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    customer = make_customer(session, workspace)
    add_history(session, workspace, customer, channel=channel, touchpoint=touchpoint)
    page = customer_timeline(session, workspace_id=workspace.id, customer_id=customer.id)
    # events at 0h, 1h, 2h; the purchase at 1h30; the review at 2h30
    assert [entry.kind for entry in page.entries] == [
        EntryKind.FEEDBACK,
        EntryKind.EVENT,
        EntryKind.TRANSACTION,
        EntryKind.EVENT,
        EntryKind.EVENT,
    ]
    times = [entry.at for entry in page.entries]
    assert times == sorted(times, reverse=True)
    assert page.entries[0].text == "الخدمة ممتازة والتوصيل سريع"
    assert page.entries[1].touchpoint_id == touchpoint.id
    assert page.next_cursor is None


def test_filters_by_kind_and_channel(session: Session) -> None:
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    customer = make_customer(session, workspace)
    add_history(session, workspace, customer, channel=channel, touchpoint=touchpoint)
    only_feedback = customer_timeline(
        session,
        workspace_id=workspace.id,
        customer_id=customer.id,
        filters=TimelineFilters(kinds=frozenset({EntryKind.FEEDBACK})),
    )
    assert [entry.kind for entry in only_feedback.entries] == [EntryKind.FEEDBACK]
    on_web = customer_timeline(
        session,
        workspace_id=workspace.id,
        customer_id=customer.id,
        filters=TimelineFilters(channel_id=channel.id),
    )
    # the purchase was not on the web channel
    assert EntryKind.TRANSACTION not in {entry.kind for entry in on_web.entries}
    assert len(on_web.entries) == 4


def test_pages_are_complete_with_equal_times(session: Session) -> None:
    """Ties on time across and within kinds are broken by kind and id, never dropped."""
    workspace = make_workspace(session)
    customer = make_customer(session, workspace)
    other = make_customer(session, workspace, "Someone else")
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "customer_id": who.id,
                "type": f"tick-{index}",
                "occurred_at": T0 + timedelta(hours=index // 4),
            }
            for index in range(13)
            for who in (customer, other)
        ],
    )
    add_history(session, workspace, customer, events_count=0)
    session.commit()
    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        page = customer_timeline(
            session, workspace_id=workspace.id, customer_id=customer.id, limit=3, cursor=cursor
        )
        seen.extend((entry.kind.value, entry.id) for entry in page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 13 + 2
    full = customer_timeline(session, workspace_id=workspace.id, customer_id=customer.id, limit=100)
    assert seen == [(entry.kind.value, entry.id) for entry in full.entries]
