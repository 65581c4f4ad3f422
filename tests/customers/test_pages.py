"""Customer pages as each role sees them: search, profile, masking, preferences, merging,
erasure."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.customers import service
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.models import Customer, CustomerIdentity
from nabd.events import service as events
from nabd.workspaces.roles import Role
from tests.customers.factories import T0, add_history, make_customer, make_places
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.query_counter import count_queries

EMAIL = "ahmed.o@example.com"
PHONE = "+966551234567"


def _setup(session: Session):  # type: ignore[no-untyped-def]
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    customer = make_customer(session, workspace, "أحمد العتيبي", email=EMAIL, phone=PHONE)
    add_history(
        session,
        workspace,
        customer,
        channel=channel,
        touchpoint=touchpoint,
        feedback_text="<script>alert(1)</script> سيئ",
    )
    return workspace, customer


def test_list_page_searches_in_arabic(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    make_customer(session, workspace, "Someone Else")
    sign_in(client, make_member(session, workspace, Role.AGENT))
    page = client.get("/customers", params={"q": "احمد"})
    assert page.status_code == 200
    assert f'data-customer="{customer.id}"' in page.text
    assert "Someone Else" not in page.text
    assert EMAIL in page.text
    empty = client.get("/customers", params={"q": "nobody-like-this"})
    assert 'data-testid="no-customers"' in empty.text


def test_list_page_pages_with_a_bounded_number_of_queries(
    client: TestClient, session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    for index in range(60):
        make_customer(session, workspace, f"Customer {index:02d}", email=f"c{index}@example.com")
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    with count_queries(engine) as counter:
        first = client.get("/customers", params={"sort": "name"})
    assert first.text.count("data-customer=") == 50
    assert counter.count <= 10, counter.statements
    next_link = first.text.split('data-testid="next-page" href="')[1].split('"')[0]
    second = client.get(next_link.replace("&amp;", "&"))
    assert second.text.count("data-customer=") == 10
    assert "Customer 59" in second.text and "Customer 00" not in second.text


def test_profile_page_in_arabic(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    sign_in(client, make_member(session, workspace, Role.AGENT))
    client.post("/preferences/language", data={"language": "ar", "csrf_token": page_csrf(client)})
    page = client.get(f"/customers/{customer.id}")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text
    assert "صفحة الدفع" in page.text and "الموقع" in page.text
    # Customer text is escaped and marked for bidi-aware display.
    assert "<script>alert(1)</script>" not in page.text
    assert 'dir="auto" data-testid="feedback-text" lang="ar">&lt;script&gt;' in page.text
    assert page.text.count('data-kind="event"') == 3
    assert page.text.count('<span data-testid="event-type">مشاهدة صفحة</span>') == 3
    assert EMAIL in page.text and PHONE in page.text
    only_feedback = client.get(f"/customers/{customer.id}", params={"kind": "feedback"})
    assert only_feedback.text.count("data-kind=") == 1


def test_the_timeline_names_built_in_event_types_and_shows_custom_ones_as_keys(
    client: TestClient, session: Session
) -> None:
    workspace, customer = _setup(session)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {"customer_id": customer.id, "type": kind, "occurred_at": T0, "received_at": T0}
            for kind in ("store_visit", "order_delivered")
        ],
    )
    session.commit()
    sign_in(client, make_member(session, workspace, Role.AGENT))
    page = client.get(f"/customers/{customer.id}").text
    assert '<span data-testid="event-type">Store visit</span>' in page
    assert page.count('<span data-testid="event-type">Page view</span>') == 3
    assert '<code dir="ltr" data-testid="event-type">order_delivered</code>' in page


def test_viewers_see_masked_contact_details_and_no_forms(
    client: TestClient, session: Session
) -> None:
    workspace, customer = _setup(session)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    for path in ("/customers", f"/customers/{customer.id}"):
        text = client.get(path).text
        assert EMAIL not in text and PHONE not in text
        assert "a***@example.com" in text and "+9665*****567" in text
    profile = client.get(f"/customers/{customer.id}").text
    assert 'data-testid="save-preferences"' not in profile
    assert 'data-testid="erase"' not in profile
    csrf = page_csrf(client, "/customers")
    refused = client.post(
        f"/customers/{customer.id}/contact-preferences",
        data={"csrf_token": csrf, "opt_out_email": "on"},
    )
    assert refused.status_code == 403


def test_agent_saves_contact_preferences_with_audit(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    sign_in(client, make_member(session, workspace, Role.AGENT))
    csrf = page_csrf(client, f"/customers/{customer.id}")
    response = client.post(
        f"/customers/{customer.id}/contact-preferences",
        data={"csrf_token": csrf, "opt_out_email": "on", "opt_out_whatsapp": "on"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    ids = {"workspace_id": workspace.id, "customer_id": customer.id}
    assert service.contact_preferences(session, **ids) == {
        "email": True,
        "sms": False,
        "whatsapp": True,
    }
    assert not service.may_contact(session, **ids, channel="whatsapp")
    entry = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.contact_preferences")
    ).one()
    assert entry.actor_label == "agent@acme.example"
    page = client.get(f"/customers/{customer.id}").text
    assert 'name="opt_out_email" checked' in page
    assert 'name="opt_out_sms" checked' not in page


def test_admin_erases_only_after_confirming(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    customer_id = customer.id
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    csrf = page_csrf(client, f"/customers/{customer_id}")
    wrong = client.post(
        f"/customers/{customer_id}/erase", data={"csrf_token": csrf, "confirm": "1234567"}
    )
    assert wrong.status_code == 200 and "Nothing was erased" in wrong.text
    assert session.get(Customer, customer_id) is not None
    export = client.get(f"/customers/{customer_id}/export.zip")
    assert export.headers["content-type"] == "application/zip"
    done = client.post(
        f"/customers/{customer_id}/erase",
        data={"csrf_token": csrf, "confirm": str(customer_id)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/customers"
    session.expire_all()
    assert session.get(Customer, customer_id) is None
    assert client.get(f"/customers/{customer_id}").status_code == 404
    actions = session.scalars(
        select(AuditLogEntry.action).where(
            AuditLogEntry.object_type == "customer", AuditLogEntry.object_id == str(customer_id)
        )
    ).all()
    assert set(actions) == {"customer.export", "customer.erase"}
    assert session.scalar(select(func.count(Customer.id))) == 0


def test_agent_merges_a_duplicate_from_the_profile_and_undoes_it(
    client: TestClient, session: Session
) -> None:
    workspace, customer = _setup(session)
    duplicate = make_customer(session, workspace, "احمد العتيبى", email="ahmed.work@example.com")
    target_id, duplicate_id = customer.id, duplicate.id
    sign_in(client, make_member(session, workspace, Role.AGENT))
    csrf = page_csrf(client, f"/customers/{target_id}")

    for given in ("", str(target_id), "999999"):  # nothing, itself, nobody
        refused = client.post(
            f"/customers/{target_id}/merge", data={"csrf_token": csrf, "source": given}
        )
        assert refused.status_code == 200 and "Nothing was merged" in refused.text
    assert session.scalar(select(func.count(CustomerMerge.id))) == 0

    merged = client.post(
        f"/customers/{target_id}/merge", data={"csrf_token": csrf, "source": str(duplicate_id)}
    )
    assert f"Customer {duplicate_id} was merged into this one." in merged.text
    listed = merged.text.split(f'data-testid="merge-{duplicate_id}"')[1].split("</div>")[0]
    assert "احمد العتيبى" in listed and 'data-testid="undo-merge"' in listed
    session.expire_all()
    emails = set(
        session.scalars(
            select(CustomerIdentity.value).where(
                CustomerIdentity.customer_id == target_id, CustomerIdentity.kind == "email"
            )
        )
    )
    assert emails == {EMAIL, "ahmed.work@example.com"}
    # The duplicate's old address leads to the profile it became part of.
    moved = client.get(f"/customers/{duplicate_id}", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/customers/{target_id}"

    [record] = session.scalars(select(CustomerMerge)).all()
    undone = client.post(
        f"/customers/{target_id}/merges/{record.id}/undo", data={"csrf_token": csrf}
    )
    assert f"customer {duplicate_id} is separate again" in undone.text
    assert 'data-testid="undo-merge"' not in undone.text  # listed as undone
    again = client.post(
        f"/customers/{target_id}/merges/{record.id}/undo", data={"csrf_token": csrf}
    )
    assert "This merge was already undone." in again.text
    assert client.get(f"/customers/{duplicate_id}").status_code == 200
    actions = set(session.scalars(select(AuditLogEntry.action)))
    assert {"customer.merge", "customer.unmerge"} <= actions


def test_viewers_see_merges_but_cannot_merge(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    duplicate = make_customer(session, workspace, "نسخة", email="copy@example.com")
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get(f"/customers/{customer.id}").text
    assert 'data-testid="merges"' in page and 'data-testid="merge-form"' not in page
    refused = client.post(
        f"/customers/{customer.id}/merge",
        data={"csrf_token": page_csrf(client, "/customers"), "source": str(duplicate.id)},
    )
    assert refused.status_code == 403
    assert session.scalar(select(func.count(CustomerMerge.id))) == 0
