"""The surveys and responses API over real HTTP."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory, transaction
from nabd.feedback.models import FeedbackItem
from nabd.journeys import service as journeys
from nabd.metrics.models import MetricRollup
from nabd.surveys import responses as recording
from nabd.surveys.definitions import ResponseContext
from nabd.surveys.models import SurveyResponse
from nabd.surveys.schemas import ResponseIn
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.query_counter import count_driver_statements, count_queries
from tests.surveys.factories import NPS_SURVEY, make_survey, question_ids


def _headers(session: Session, slug: str = "acme", role: Role = Role.ANALYST) -> dict[str, str]:
    workspace = make_workspace(session, slug)
    _, token = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {token}"}


def _create(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/v1/surveys", json=NPS_SURVEY, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _ids(survey: dict[str, Any]) -> dict[str, int]:
    return {question["key"]: question["id"] for question in survey["questions"]}


def test_definition_round_trips_and_lists_with_types(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    created = _create(client, headers)
    listed = client.get("/api/v1/surveys", headers=headers).json()["items"]
    assert [s["id"] for s in listed] == [created["id"]]
    survey = listed[0]
    assert survey["title"] == {"ar": "استبيان ما بعد الشراء", "en": "Post-purchase survey"}
    assert [q["type"] for q in survey["questions"]] == [
        "nps",
        "text",
        "text",
        "single_choice",
        "csat",
    ]
    assert survey["questions"][0]["scale"] == {"min": 0, "max": 10}
    assert survey["questions"][3]["options"][1] == {"key": "store", "ar": "الفرع", "en": "Store"}
    assert survey["questions"][1]["condition"] == {"question": "nps", "op": "lte", "value": 6}


def test_export_imports_into_another_workspace(client: TestClient, session: Session) -> None:
    source, target = _headers(session, "alpha"), _headers(session, "beta")
    created = _create(client, source)
    exported = client.get(f"/api/v1/surveys/{created['id']}/export", headers=source).json()
    assert exported["format"] == "nabd.survey/1" and "id" not in exported
    copied = client.post("/api/v1/surveys", json=exported, headers=target)
    assert copied.status_code == 201, copied.text
    copy = copied.json()
    assert copy["id"] != created["id"] and copy["status"] == "draft"
    strip = lambda s: [{k: v for k, v in q.items() if k != "id"} for q in s["questions"]]  # noqa: E731
    assert strip(copy) == strip(created)
    assert client.get(f"/api/v1/surveys/{created['id']}", headers=target).status_code == 404


def test_patch_changes_status_and_refuses_bad_conditions(
    client: TestClient, session: Session
) -> None:
    headers = _headers(session)
    created = _create(client, headers)
    patched = client.patch(
        f"/api/v1/surveys/{created['id']}", json={"status": "closed"}, headers=headers
    )
    assert patched.json()["status"] == "closed"
    questions = [dict(q, condition=None) for q in NPS_SURVEY["questions"]]
    questions[0] = dict(questions[0], condition={"question": "csat", "op": "gte", "value": 4})
    refused = client.patch(
        f"/api/v1/surveys/{created['id']}",
        json={"questions": questions},
        headers={**headers, "Accept-Language": "ar"},
    )
    assert refused.status_code == 422
    detail = refused.json()["error"]["details"][0]
    assert detail["field"] == "questions.0.condition"
    assert any("\u0600" <= ch <= "\u06ff" for ch in detail["reason"])


def test_response_is_stored_with_customer_and_text_becomes_feedback(
    client: TestClient, session: Session
) -> None:
    headers = _headers(session)
    survey = _create(client, headers)
    ids = _ids(survey)
    body = {
        "customer": {"email": "Sara@Example.com"},
        "channel": None,
        "language": "ar",
        "answers": [
            {"question_id": ids["nps"], "value": 3},
            {"question_id": ids["what_went_wrong"], "value": "التوصيل تأخر <b>كثيرًا</b>"},
        ],
        "submitted_at": "2026-10-01T10:00:00+03:00",
    }
    stored = client.post(f"/api/v1/surveys/{survey['id']}/responses", json=body, headers=headers)
    assert stored.status_code == 201, stored.text
    out = stored.json()
    assert out["customer_id"] is not None and out["completed"] is True
    assert out["submitted_at"].startswith("2026-10-01T07:00:00")
    item = session.scalar(select(FeedbackItem))
    assert item.source == "survey"
    assert item.external_id == f"response:{out['id']}:question:{ids['what_went_wrong']}"
    assert item.text == "التوصيل تأخر <b>كثيرًا</b>" and item.language == "ar"
    assert int(item.rating) == 3 and item.rating_scale_max == 10
    assert item.customer_id == out["customer_id"]
    assert item.details == {
        "survey_id": survey["id"],
        "question_id": ids["what_went_wrong"],
        "response_id": out["id"],
    }
    again = client.post(
        f"/api/v1/surveys/{survey['id']}/responses",
        json={**body, "customer": {"email": "sara@example.com"}},
        headers=headers,
    )
    assert again.json()["customer_id"] == out["customer_id"]
    listed = client.get(f"/api/v1/responses?survey_id={survey['id']}&language=ar", headers=headers)
    assert [r["id"] for r in listed.json()["items"]] == [out["id"], again.json()["id"]]
    assert listed.json()["items"][0]["answers"][0] == {"question_id": ids["nps"], "value": 3}
    window = client.get(
        "/api/v1/responses",
        params={"from": "2026-10-02T00:00:00Z", "to": "2026-10-03T00:00:00Z"},
        headers=headers,
    )
    assert window.json()["items"] == []


def _error(response: Any) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    return detail["field"], detail["reason"]


def test_bad_answers_name_the_field_and_reason_in_arabic(
    client: TestClient, session: Session
) -> None:
    headers = {**_headers(session), "Accept-Language": "ar"}
    survey = _create(client, headers)
    ids = _ids(survey)
    url = f"/api/v1/surveys/{survey['id']}/responses"

    def post(*answers: dict[str, Any]) -> Any:
        return client.post(url, json={"answers": list(answers)}, headers=headers)

    nps = {"question_id": ids["nps"], "value": 5}
    field, reason = _error(post(nps, {"question_id": 999999, "value": 1}))
    assert field == "answers.1.question_id" and reason == "سؤال غير معروف."
    field, reason = _error(post({"question_id": ids["nps"], "value": 11}))
    assert field == "answers.0.value" and "10" in reason and "بين" in reason
    field, reason = _error(post(nps, {"question_id": ids["csat"], "value": "five"}))
    assert field == "answers.1.value" and reason == "يجب أن يكون عددًا صحيحًا."
    field, reason = _error(post(nps, {"question_id": ids["what_went_wrong"], "value": "x" * 501}))
    assert field == "answers.1.value" and "500" in reason
    field, reason = _error(post({"question_id": ids["csat"], "value": 4}))
    assert field == "answers" and "nps" in reason
    field, _ = _error(
        post(
            {"question_id": ids["nps"], "value": 9},
            {"question_id": ids["what_went_wrong"], "value": "hidden"},
        )
    )
    assert field == "answers.1.question_id"
    assert session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_idempotency_key_stores_one_response(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    survey = _create(client, headers)
    url = f"/api/v1/surveys/{survey['id']}/responses"
    body = {"answers": [{"question_id": _ids(survey)["nps"], "value": 10}]}
    keyed = {**headers, "Idempotency-Key": "order-77"}
    first = client.post(url, json=body, headers=keyed)
    second = client.post(url, json=body, headers=keyed)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json() == first.json()
    assert session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_batch_accepts_good_items_and_rejects_bad_ones(
    client: TestClient, session: Session
) -> None:
    headers = {**_headers(session), "Accept-Language": "ar"}
    survey = _create(client, headers)
    nps = _ids(survey)["nps"]
    items = [
        {"idempotency_key": "a", "answers": [{"question_id": nps, "value": 9}]},
        {"idempotency_key": "b", "answers": [{"question_id": nps, "value": 12}]},
        {"idempotency_key": "a", "answers": [{"question_id": nps, "value": 9}]},
        {"idempotency_key": "c", "language": "fr", "answers": []},
        {"answers": [{"question_id": nps, "value": 0}], "customer": {"external_id": "CRM-1"}},
    ]
    url = f"/api/v1/surveys/{survey['id']}/responses/batch"
    result = client.post(url, json={"responses": items}, headers=headers).json()
    assert result["accepted"] == 2 and result["duplicates"] == 1
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [
        (1, "answers.0.value"),
        (3, "language"),
    ]
    assert all(any("\u0600" <= c <= "\u06ff" for c in r["reason"]) for r in result["rejected"])
    repeat = client.post(url, json={"responses": items[:1]}, headers=headers).json()
    assert repeat == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert session.scalar(select(func.count(SurveyResponse.id))) == 2


def test_viewers_read_but_cannot_write(client: TestClient, session: Session) -> None:
    headers = _headers(session, role=Role.VIEWER)
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200
    assert client.post("/api/v1/surveys", json=NPS_SURVEY, headers=headers).status_code == 403


def test_factory_and_api_agree_on_ids(session: Session) -> None:
    from tests.surveys.factories import make_survey

    survey = make_survey(session, make_workspace(session))
    assert set(question_ids(survey)) == {q["key"] for q in NPS_SURVEY["questions"]}


def _workspace_with_channels(session: Session) -> dict[str, str]:
    workspace = make_workspace(session, "chan")
    for key, arabic, english in (("web", "الموقع", "Website"), ("app", "التطبيق", "App")):
        journeys.ensure_channel(
            session, workspace_id=workspace.id, key=key, name_ar=arabic, name_en=english
        )
    session.commit()
    _, token = make_token(session, workspace, Role.ANALYST)
    return {"Authorization": f"Bearer {token}"}


def test_batch_stores_each_items_own_answers_and_feedback(
    client: TestClient, session: Session
) -> None:
    headers = _workspace_with_channels(session)
    survey = _create(client, headers)
    ids = _ids(survey)
    items = [
        {
            "idempotency_key": f"k{n}",
            "channel": "web" if n % 2 else "app",
            "language": "ar" if n % 3 else "en",
            "answers": [
                {"question_id": ids["nps"], "value": n % 11},
                {
                    "question_id": ids["what_went_wrong" if n % 11 <= 6 else "what_you_liked"],
                    "value": f"تعليق رقم {n}",
                },
            ],
        }
        for n in range(60)
    ]
    url = f"/api/v1/surveys/{survey['id']}/responses/batch"
    assert client.post(url, json={"responses": items}, headers=headers).json()["accepted"] == 60

    stored = client.get(f"/api/v1/responses?survey_id={survey['id']}&limit=100", headers=headers)
    by_text = {}
    for response in stored.json()["items"]:
        nps, text = (answer["value"] for answer in response["answers"])
        by_text[text] = (nps, response["channel"], response["language"], response["id"])
    for n in range(60):
        nps, channel, language, _ = by_text[f"تعليق رقم {n}"]
        assert (nps, channel, language) == (n % 11, "web" if n % 2 else "app", items[n]["language"])
    feedback = session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)).all()
    assert len(feedback) == 60
    for item in feedback:
        nps, _, language, response_id = by_text[item.text]
        assert item.details["response_id"] == response_id and item.language == language
        assert item.external_id == f"response:{response_id}:question:{item.details['question_id']}"
        assert item.rating == nps and item.rating_scale_max == 10


def test_listing_filters_by_channel_and_language_and_pages_with_a_cursor(
    client: TestClient, session: Session
) -> None:
    headers = _workspace_with_channels(session)
    survey = _create(client, headers)
    url = f"/api/v1/surveys/{survey['id']}/responses"
    nps = _ids(survey)["nps"]
    for n, (channel, language) in enumerate(
        [("web", "ar"), ("app", "ar"), ("web", "en"), ("web", "ar"), (None, "ar")]
    ):
        body = {
            "channel": channel,
            "language": language,
            "answers": [{"question_id": nps, "value": n}],
        }
        assert client.post(url, json=body, headers=headers).status_code == 201

    def listed(**params: Any) -> list[int]:
        page = client.get("/api/v1/responses", params=params, headers=headers).json()
        return [response["answers"][0]["value"] for response in page["items"]]

    assert listed(channel="web") == [0, 2, 3]
    assert listed(channel="web", language="ar") == [0, 3]
    assert listed(channel="sms") == []
    first = client.get("/api/v1/responses", params={"limit": 2}, headers=headers).json()
    assert [r["answers"][0]["value"] for r in first["items"]] == [0, 1]
    rest = listed(limit=10, cursor=first["next_cursor"])
    assert rest == [2, 3, 4]
    naive = client.get("/api/v1/responses", params={"from": "2026-10-01T00:00:00"}, headers=headers)
    assert naive.status_code == 422


def test_batch_racing_another_writer_counts_its_keys_as_duplicates(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = make_survey(session, make_workspace(session))
    nps = question_ids(survey)["nps"]

    def item(key: str, score: int) -> dict[str, Any]:
        return {"idempotency_key": key, "answers": [{"question_id": nps, "value": score}]}

    first = recording.record_batch(
        session, survey=survey, items=[item("x", 1)], default_language="ar"
    )
    assert first.accepted == 1
    # The other writer's row is invisible to the pre-check, as if it committed just after it.
    monkeypatch.setattr(recording, "_existing_keys", lambda *_, **__: set())
    raced = recording.record_batch(
        session, survey=survey, items=[item("x", 1), item("y", 2)], default_language="ar"
    )
    session.commit()
    assert (raced.accepted, raced.duplicates) == (1, 1)
    stored = session.scalars(select(SurveyResponse.idempotency_key).order_by(SurveyResponse.id))
    assert list(stored) == ["x", "y"]


def test_a_batch_shares_one_receipt_time(session: Session) -> None:
    survey = make_survey(session, make_workspace(session))
    nps = question_ids(survey)["nps"]
    given = "2026-11-01T09:30:00+03:00"
    items: list[dict[str, Any]] = [
        {"answers": [{"question_id": nps, "value": score}]} for score in (3, 8)
    ]
    items.append({"answers": [{"question_id": nps, "value": 10}], "submitted_at": given})
    recording.record_batch(session, survey=survey, items=items, default_language="ar")
    session.commit()
    stored = session.execute(
        select(SurveyResponse.submitted_at, SurveyResponse.received_at).order_by(SurveyResponse.id)
    ).all()
    received = {received_at for _, received_at in stored}
    assert len(received) == 1
    # Items that give no time were submitted when the batch was received; others keep theirs.
    assert [submitted_at for submitted_at, _ in stored] == [
        *received,
        *received,
        datetime.fromisoformat(given),
    ]


def test_single_response_racing_the_same_key_returns_the_first(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = make_survey(session, make_workspace(session))
    data = ResponseIn.model_validate(
        {"answers": [{"question_id": question_ids(survey)["nps"], "value": 7}]}
    )
    stored, created = recording.record_response(
        session, survey=survey, data=data, default_language="ar", idempotency_key="order-9"
    )
    assert created
    real_context = recording.response_context
    real_lookup = recording.find_by_key
    lookups: list[str] = []

    def late_context(session: Session, **kwargs: Any) -> ResponseContext:
        # The first look misses the other request's row, as if it committed just after.
        return replace(real_context(session, **kwargs), existing_id=None)

    def lookup(session: Session, *, workspace_id: int, key: str) -> SurveyResponse | None:
        lookups.append(key)
        return real_lookup(session, workspace_id=workspace_id, key=key)

    monkeypatch.setattr(recording, "response_context", late_context)
    monkeypatch.setattr(recording, "find_by_key", lookup)
    again, created = recording.record_response(
        session, survey=survey, data=data, default_language="ar", idempotency_key="order-9"
    )
    session.commit()
    # The INSERT did nothing on the conflicting key; the stored response is looked up once.
    assert not created and again.id == stored.id and lookups == ["order-9"]
    assert session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_a_phone_in_any_format_finds_the_customer_events_know(
    client: TestClient, session: Session
) -> None:
    headers = _headers(session)
    survey = _create(client, headers)
    event = {
        "event_id": "e-1",
        "customer": {"phone": "+966 50 123 4567"},
        "type": "purchase",
        "timestamp": "2026-11-01T10:00:00+03:00",
    }
    stored = client.post("/api/v1/events", json={"events": [event]}, headers=headers)
    assert stored.json()["accepted"] == 1
    url = f"/api/v1/surveys/{survey['id']}/responses"
    answer = {"answers": [{"question_id": _ids(survey)["nps"], "value": 9}]}

    national = client.post(
        url, json={**answer, "customer": {"phone": "0501234567"}}, headers=headers
    )
    assert national.status_code == 201, national.text
    timeline = client.get(
        f"/api/v1/customers/{national.json()['customer_id']}/timeline", headers=headers
    ).json()
    assert "purchase" in {entry["event_type"] for entry in timeline["items"]}

    field, _ = _error(
        client.post(url, json={**answer, "customer": {"phone": "12"}}, headers=headers)
    )
    assert field == "customer.phone"


def test_a_changed_survey_is_checked_against_its_new_questions(
    client: TestClient, session: Session
) -> None:
    """The response path caches each survey's compiled questions; an edit must reach it."""
    headers = _headers(session)
    created = _create(client, headers)
    path = f"/api/v1/surveys/{created['id']}/responses"
    ids = _ids(created)
    body = {
        "answers": [
            {"question_id": ids["nps"], "value": 3},
            {"question_id": ids["what_went_wrong"], "value": "late delivery"},
        ]
    }
    assert client.post(path, json=body, headers=headers).status_code == 201
    questions = [dict(q) for q in NPS_SURVEY["questions"]]
    questions[1]["max_length"] = 5
    questions.append(
        {"key": "ease", "type": "ces", "text": {"ar": "سهولة", "en": "Ease"}, "required": True}
    )
    changed = client.patch(
        f"/api/v1/surveys/{created['id']}", json={"questions": questions}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    ease = _ids(changed.json())["ease"]
    refused = client.post(path, json=body, headers=headers)
    assert refused.status_code == 422
    fields = {detail["field"] for detail in refused.json()["error"]["details"]}
    assert fields == {"answers.1.value"}  # the new limit, before the new required question
    shorter = {"answers": [body["answers"][0], {"question_id": ease, "value": 7}]}
    stored = client.post(path, json=shorter, headers=headers)
    assert stored.status_code == 201, stored.text
    assert {a["question_id"] for a in stored.json()["answers"]} == {ids["nps"], ease}
    missing = client.post(path, json={"answers": [body["answers"][0]]}, headers=headers)
    assert missing.status_code == 422
    assert "ease" in missing.json()["error"]["details"][0]["reason"]


def test_links_are_created_through_the_api(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    created = _create(client, headers)
    link = client.post(f"/api/v1/surveys/{created['id']}/links", json={}, headers=headers)
    assert link.status_code == 201, link.text
    body = link.json()
    assert body["survey_id"] == created["id"] and body["path"] == f"/s/{body['token']}"
    assert not body["personal"]


def test_two_concurrent_requests_with_one_key_store_one_response(
    session: Session, engine: Engine
) -> None:
    """Real concurrency: two transactions at once, neither sees the other's row at first."""
    survey = make_survey(session, make_workspace(session))
    data = ResponseIn.model_validate(
        {
            "customer": {"external_id": "c-42"},
            "answers": [{"question_id": question_ids(survey)["nps"], "value": 9}],
        }
    )
    factory = create_session_factory(engine)
    start = threading.Barrier(2)

    def submit() -> tuple[int, bool]:
        start.wait()
        with transaction(factory) as own:
            stored, created = recording.record_response(
                own, survey=survey, data=data, default_language="ar", idempotency_key="same"
            )
            return stored.id, created

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: submit(), range(2)))
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0] == results[1][0]
    assert session.scalar(select(func.count(SurveyResponse.id))) == 1
    assert session.scalar(select(func.count(FeedbackItem.id))) == 0
    counted = session.scalar(select(func.sum(MetricRollup.answer_count)))
    assert counted == 1  # the rollup counted the stored response once


def test_a_keyed_response_from_a_known_customer_takes_six_statements(
    client: TestClient, session: Session, engine: Engine
) -> None:
    """Context (survey, channel, key), customer, response, answers, feedback, rollup; the
    token was authenticated by the first request and is not looked up again."""
    headers = _headers(session)
    created = _create(client, headers)
    ids = _ids(created)
    path = f"/api/v1/surveys/{created['id']}/responses"

    def body(score: int) -> dict[str, Any]:
        return {
            "customer": {"external_id": "c-1"},
            "answers": [
                {"question_id": ids["nps"], "value": score},
                {"question_id": ids["what_went_wrong"], "value": "late"},
            ],
        }

    assert client.post(path, json=body(3), headers=headers | {"Idempotency-Key": "k1"}).is_success
    with count_queries(engine) as counter, count_driver_statements(engine) as driver:
        second = client.post(path, json=body(4), headers=headers | {"Idempotency-Key": "k2"})
    assert second.status_code == 201
    # The group's transaction (`nabd.core.group_commit`): on SQLite a BEGIN IMMEDIATE, which
    # takes the write lock, so the reads and the writes after it all go straight to the
    # driver (`nabd.core.bulk.driver_write`); elsewhere the four writes pass SQLAlchemy.
    if engine.dialect.name == "sqlite":
        assert counter.statements == ["BEGIN IMMEDIATE"]
        assert driver.count == 6, driver.statements
    else:
        assert counter.count == 4, counter.statements
    again = client.post(path, json=body(4), headers=headers | {"Idempotency-Key": "k2"})
    assert again.status_code == 200 and again.json()["id"] == second.json()["id"]
