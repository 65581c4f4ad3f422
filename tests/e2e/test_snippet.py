"""The website snippet in a real browser: a shop page on another origin loads
`/static/nabd.js` from the live server, and its page views, tracked events, identify call,
retried batch and unload beacon all land in the workspace."""

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, Route
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.customers.models import CustomerIdentity
from nabd.events import write_keys
from nabd.events.models import Event
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.e2e.other_origin import serve_page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shop_session(live_server: LiveServer) -> Iterator[tuple[Session, int, str]]:
    """A session on the server's database, the workspace id and its fresh write key."""
    engine = create_db_engine(live_server.database_url)
    session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        key = write_keys.rotate_write_key(session, workspace_id=workspace.id, actor=SYSTEM_ACTOR)
        session.commit()
        yield session, workspace.id, key.key
    finally:
        session.close()
        engine.dispose()


@pytest.fixture(scope="module")
def shop_url(live_server: LiveServer, shop_session: tuple[Session, int, str]) -> Iterator[str]:
    """A customer's website on another origin (another port) that carries the snippet."""
    page = (
        "<!doctype html><html><head><title>Shop</title>"
        f'<script src="{live_server.url}/static/nabd.js" data-write-key="{shop_session[2]}">'
        "</script></head><body><h1>Shop</h1></body></html>"
    ).encode()

    with serve_page(page) as url:
        yield url


def _event_types(session: Session, workspace_id: int, kind: str, value: str) -> list[str]:
    """Event types of the customer holding identity (kind, value); none if nobody holds it."""
    customer_id = session.scalar(
        select(CustomerIdentity.customer_id).where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == kind,
            CustomerIdentity.value == value,
        )
    )
    types = (
        []
        if customer_id is None
        else list(
            session.scalars(
                select(Event.type).where(
                    Event.workspace_id == workspace_id, Event.customer_id == customer_id
                )
            )
        )
    )
    session.rollback()  # end the read so the server's SQLite writes are never blocked
    return sorted(types)


def _wait_for(
    page: Page,
    session: Session,
    workspace_id: int,
    identity: tuple[str, str],
    expected: list[str],
) -> list[str]:
    """Poll until the events land (the snippet sends asynchronously); the last reading.

    Waiting through the page lets Playwright run the route handlers meanwhile.
    """
    deadline = time.monotonic() + 15
    while True:
        found = _event_types(session, workspace_id, *identity)
        if found == sorted(expected) or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(200)


def test_page_track_identify_retry_and_unload_beacon(
    browser: Browser,
    live_server: LiveServer,
    shop_session: tuple[Session, int, str],
    shop_url: str,
) -> None:
    session, workspace_id, _key = shop_session
    context = browser.new_context()
    page = context.new_page()
    outage = {"on": False, "refused": 0}

    def collect(route: Route, request: Request) -> None:
        if outage["on"]:
            outage["on"] = False
            outage["refused"] += 1
            route.fulfill(status=503, body="")
        else:
            route.continue_()

    collect_url = f"{live_server.url}/api/v1/collect"
    page.route(collect_url, collect)

    # The automatic page view lands on an anonymous visitor.
    page.goto(f"{shop_url}/offers")
    page.wait_for_function("window.nabd && window.nabd.loaded")
    page.evaluate("nabd.flush()")
    visitor = ("anonymous_id", page.evaluate("localStorage.getItem('nabd_aid')"))
    assert _wait_for(page, session, workspace_id, visitor, ["page_view"]) == ["page_view"]

    # A batch that meets a server outage is kept and sent again with the next flush.
    outage["on"] = True
    page.evaluate("nabd.track('add_to_cart', {sku: 'X1'})")
    page.evaluate("nabd.flush()")
    deadline = time.monotonic() + 10
    while not outage["refused"] and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright run the route handler
    assert outage["refused"] == 1
    page.wait_for_timeout(300)  # the snippet puts the refused batch back in its queue

    # identify flushes at once; the visitor's earlier page view moves to the known customer.
    page.evaluate("nabd.identify('shopper-42', {plan: 'gold'})")
    shopper = ("external_id", "shopper-42")
    expected = ["add_to_cart", "identify", "page_view"]
    assert _wait_for(page, session, workspace_id, shopper, expected) == expected

    # An event still queued when the page goes away leaves with navigator.sendBeacon.
    page.unroute(collect_url)
    page.evaluate("nabd.track('wishlist_add', {sku: 'X2'})")
    page.goto("about:blank")
    expected = [*expected, "wishlist_add"]
    assert _wait_for(page, session, workspace_id, shopper, expected) == expected
    context.close()
