"""The journey pages: create, add stages and place touchpoints with plain forms (no JavaScript)."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.journeys.models import Journey
from nabd.workspaces.roles import Role
from tests.factories import csrf_from, make_member, make_workspace, sign_in
from tests.journeys.factories import make_touchpoints


def test_an_analyst_builds_a_journey_without_javascript(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session, language="ar")
    make_touchpoints(session, workspace, ["ad", "checkout"])
    session.commit()
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/journeys")
    assert 'dir="rtl"' in page.text and "الرحلات" in page.text and "لا توجد رحلات بعد." in page.text
    created = client.post(
        "/journeys",
        data={"csrf_token": csrf_from(page.text), "name_ar": "رحلة الشراء", "name_en": "Buying"},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    editor = client.get(created.headers["location"])
    assert editor.status_code == 200 and 'name="stage-0-name_ar"' in editor.text
    saved = client.post(
        created.headers["location"],
        data={
            "csrf_token": csrf_from(editor.text),
            "name_ar": "رحلة الشراء",
            "name_en": "Buying",
            "stage_rows": "2",
            # Typed in the second row but numbered first: positions set the order.
            "stage-0-id": "",
            "stage-0-position": "2",
            "stage-0-name_ar": "الشراء",
            "stage-0-name_en": "Purchase",
            "stage-1-id": "",
            "stage-1-position": "1",
            "stage-1-name_ar": "الوعي",
            "stage-1-name_en": "Awareness",
            "touchpoint-ad": "1",
            "touchpoint-checkout": "0",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    journey = session.scalars(select(Journey)).one()
    session.refresh(journey)
    assert [(stage.name_en, len(stage.placements)) for stage in journey.stages] == [
        ("Awareness", 1),
        ("Purchase", 1),
    ]
    listing = client.get("/journeys").text
    assert "الوعي" in listing and "نقطة ad" in listing

    # Remove the first stage; its touchpoint leaves the journey with it.
    editor = client.get(created.headers["location"]).text
    awareness, purchase = (stage.id for stage in journey.stages)
    kept = client.post(
        created.headers["location"],
        data={
            "csrf_token": csrf_from(editor),
            "name_ar": "رحلة الشراء",
            "name_en": "Buying",
            "stage_rows": "2",
            "stage-0-id": str(awareness),
            "stage-0-position": "1",
            "stage-0-name_ar": "الوعي",
            "stage-0-name_en": "Awareness",
            "stage-0-remove": "1",
            "stage-1-id": str(purchase),
            "stage-1-position": "2",
            "stage-1-name_ar": "الشراء",
            "stage-1-name_en": "Purchase",
            "touchpoint-ad": "0",
            "touchpoint-checkout": "1",
        },
        follow_redirects=False,
    )
    assert kept.status_code == 303
    session.expire_all()
    assert [stage.id for stage in session.get(Journey, journey.id).stages] == [purchase]  # type: ignore[union-attr]
    deleted = client.post(
        f"/journeys/{journey.id}/delete",
        data={"csrf_token": csrf_from(editor)},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.object_type == "journey")
    ).all()
    assert sorted(actions) == [
        "journey.create",
        "journey.delete",
        "journey.update",
        "journey.update",
    ]


def test_a_stage_without_a_name_is_refused_in_arabic(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/journeys").text
    created = client.post(
        "/journeys",
        data={"csrf_token": csrf_from(page), "name_ar": "رحلة", "name_en": "Trip"},
        follow_redirects=False,
    )
    refused = client.post(
        created.headers["location"],
        data={
            "csrf_token": csrf_from(page),
            "name_ar": "رحلة",
            "name_en": "Trip",
            "stage_rows": "1",
            "stage-0-position": "1",
            "stage-0-name_ar": "مرحلة",
            "stage-0-name_en": "",
        },
    )
    assert refused.status_code == 422 and 'data-testid="form-errors"' in refused.text
    empty_name = client.post("/journeys", data={"csrf_token": csrf_from(page), "name_ar": ""})
    assert empty_name.status_code == 422 and "الاسم (بالعربية)" in empty_name.text


def test_viewers_see_journeys_but_cannot_change_them(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/journeys")
    assert page.status_code == 200 and 'data-testid="new-journey"' not in page.text
    refused = client.post(
        "/journeys", data={"csrf_token": csrf_from(page.text), "name_ar": "أ", "name_en": "A"}
    )
    assert refused.status_code == 403
