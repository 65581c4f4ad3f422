"""The customer list: Arabic-normalised search, filters, sort orders and keyset pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from nabd.core.errors import ValidationFailed
from nabd.customers import service
from nabd.customers.listing import CustomerFilters, CustomerSort, ListRequest, list_customers
from nabd.workspaces.models import Workspace
from tests.customers.factories import T0, add_history, make_customer
from tests.factories import make_workspace


def listed_names(
    session: Session, workspace: Workspace, sort: CustomerSort, **filters: object
) -> list[str | None]:
    """The names on the list's first page, in `sort` order, under `filters`."""
    page = list_customers(
        session,
        workspace_id=workspace.id,
        filters=CustomerFilters(**filters),  # type: ignore[arg-type]
        request=ListRequest(sort=sort),
    )
    return [customer.display_name for customer in page.items]


def _names(session: Session, workspace: Workspace, **filters: object) -> list[str | None]:
    return listed_names(session, workspace, CustomerSort.NAME, **filters)


@pytest.fixture
def people(session: Session) -> Workspace:
    workspace = make_workspace(session)
    make_customer(
        session, workspace, "أحمد العتيبي", email="ahmed@example.com", phone="+966551234567"
    )
    make_customer(session, workspace, "إيمان مصطفى", email="iman@example.net", external_id="CRM-42")
    make_customer(
        session, workspace, "Sara Ahmadi", email="sara@example.org", phone="+966500000001"
    )
    other = make_workspace(session, "other")
    make_customer(session, other, "أحمد الغامدي", email="ahmed@other.example")
    return workspace


def test_search_folds_alef_forms(session: Session, people: Workspace) -> None:
    assert _names(session, people, query="احمد") == ["أحمد العتيبي"]
    assert _names(session, people, query="أحمد") == ["أحمد العتيبي"]


def test_search_folds_alef_maqsura_and_hamza_below(session: Session, people: Workspace) -> None:
    assert _names(session, people, query="ايمان مصطفي") == ["إيمان مصطفى"]


def test_search_is_a_word_prefix_search(session: Session, people: Workspace) -> None:
    assert _names(session, people, query="ahm") == ["Sara Ahmadi", "أحمد العتيبي"]
    assert _names(session, people, query="العت") == ["أحمد العتيبي"]
    assert _names(session, people, query="احمد الغامدي") == []  # other workspace only


def test_search_by_email_phone_and_external_id(session: Session, people: Workspace) -> None:
    assert _names(session, people, query="iman@example.net") == ["إيمان مصطفى"]
    assert _names(session, people, query="0551234567") == ["أحمد العتيبي"]
    assert _names(session, people, query="+966 55 123") == ["أحمد العتيبي"]
    assert _names(session, people, query="crm-42") == ["إيمان مصطفى"]


def test_exact_identity_filters(session: Session, people: Workspace) -> None:
    assert _names(session, people, email="AHMED@example.com") == ["أحمد العتيبي"]
    assert _names(session, people, phone="+966500000001") == ["Sara Ahmadi"]
    assert _names(session, people, external_id="CRM-42") == ["إيمان مصطفى"]
    assert _names(session, people, external_id="CRM-4") == []


def test_refresh_search_text_follows_renames(session: Session, people: Workspace) -> None:
    customer = list_customers(
        session,
        workspace_id=people.id,
        filters=CustomerFilters(query="sara"),
        request=ListRequest(),
    ).items[0]
    customer.display_name = "سارة أحمدي"
    service.refresh_search_text(session, workspace_id=people.id, customer_ids=[customer.id])
    session.commit()
    assert _names(session, people, query="ساره") == ["سارة أحمدي"]
    assert _names(session, people, query="sara") == ["سارة أحمدي"]  # the e-mail still matches
    assert _names(session, people, query="Ahmadi") == []


def test_spend_and_last_seen_filters(session: Session) -> None:
    workspace = make_workspace(session)
    big = make_customer(session, workspace, "Big", last_seen_at=T0)
    make_customer(session, workspace, "Small", last_seen_at=T0 - timedelta(days=40))
    add_history(session, workspace, big)
    assert _names(session, workspace, min_spend=Decimal(100)) == ["Big"]
    assert _names(session, workspace, max_spend=Decimal(100)) == ["Small"]
    assert _names(session, workspace, seen_from=T0 - timedelta(days=1)) == ["Big"]
    assert _names(session, workspace, seen_until=T0 - timedelta(days=1)) == ["Small"]


def _walk(session: Session, workspace: Workspace, sort: CustomerSort) -> list[str | None]:
    seen: list[str | None] = []
    cursor = None
    while True:
        page = list_customers(
            session,
            workspace_id=workspace.id,
            filters=CustomerFilters(),
            request=ListRequest(sort=sort, limit=2, cursor=cursor),
        )
        seen.extend(customer.display_name for customer in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_every_sort_pages_through_everyone_once(session: Session) -> None:
    workspace = make_workspace(session)
    for index, name in enumerate(["ياسر", "Bader", "آمنة", "Ziad", "حسن"]):
        seen = T0 + timedelta(days=index) if index != 2 else None
        make_customer(session, workspace, name, last_seen_at=seen)
    make_customer(session, workspace, "Nameless twin", last_seen_at=T0)  # ties with ياسر
    by_name = _walk(session, workspace, CustomerSort.NAME)
    assert by_name == ["Bader", "Nameless twin", "Ziad", "آمنة", "حسن", "ياسر"]
    by_seen = _walk(session, workspace, CustomerSort.LAST_SEEN)
    assert by_seen[:3] == ["حسن", "Ziad", "Bader"]
    assert set(by_seen[3:5]) == {"ياسر", "Nameless twin"}
    assert by_seen[5] == "آمنة"  # never seen: last
    assert sorted(_walk(session, workspace, CustomerSort.TOTAL_SPEND), key=str) == sorted(
        by_name, key=str
    )


def test_spend_sort_orders_by_value(session: Session) -> None:
    workspace = make_workspace(session)
    make_customer(session, workspace, "Nothing")
    buyer = make_customer(session, workspace, "Buyer")
    add_history(session, workspace, buyer)
    assert _walk(session, workspace, CustomerSort.TOTAL_SPEND) == ["Buyer", "Nothing"]
    assert _walk(session, workspace, CustomerSort.TOTAL_SPEND_ASCENDING) == ["Nothing", "Buyer"]


def test_a_foreign_cursor_is_refused(session: Session) -> None:
    workspace = make_workspace(session)
    with pytest.raises(ValidationFailed):
        list_customers(
            session,
            workspace_id=workspace.id,
            filters=CustomerFilters(),
            request=ListRequest(cursor="bm90LWEtY3Vyc29y"),
        )
