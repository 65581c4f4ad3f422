"""The feedback explorer: filters, Arabic-aware search, safe highlighting, summary, corrections."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nabd.text.annotations import TextCorrection
from nabd.text.annotations_service import annotate_items
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.events.factories import bearer
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.feedback.factories import T0, add_feedback
from tests.query_counter import count_queries

DELIVERY = "التوصيل تأخر ثلاثة أيام وخدمة سيئة جدا"
AHMED = "أحمد في الاستقبال كان رائعا"
SCRIPT = "<script>alert('x')</script> the price is too high"
APP = "Great app, very fast checkout"


def _seed(session: Session, workspace: Workspace) -> dict[str, int]:
    texts = {
        "delivery": (DELIVERY, "review", 0),
        "ahmed": (AHMED, "survey", 40),
        "script": (SCRIPT, "ticket", 1),
        "app": (APP, "review", 2),
    }
    ids = {
        name: add_feedback(
            session,
            workspace,
            text,
            source=source,
            external_id=name,
            created_at=T0 + timedelta(days=days),
        ).id
        for name, (text, source, days) in texts.items()
    }
    annotate_items(session, workspace_id=workspace.id, item_ids=list(ids.values()))
    session.commit()
    return ids


def _shown_items(html: str) -> list[int]:
    return [int(item) for item in re.findall(r'data-item="(\d+)"', html)]


def test_the_explorer_lists_filters_and_searches(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    ids = _seed(session, workspace)
    add_feedback(session, workspace, "لم يحلل بعد", external_id="fresh", created_at=T0)
    sign_in(client, make_member(session, workspace, Role.VIEWER))

    page = client.get("/feedback")
    assert page.status_code == 200
    html = page.text
    # Newest first; an item the job has not reached yet is listed as such.
    shown = _shown_items(html)
    assert shown[:2] == [ids["ahmed"], ids["app"]] and len(shown) == 5
    assert 'data-testid="not-analysed"' in html
    assert 'dir="auto"' in html
    assert 'data-testid="correction-form"' not in html  # a viewer cannot correct

    def shown_for(**params: str) -> set[int]:
        return set(_shown_items(client.get("/feedback", params=params).text))

    assert shown_for(q="احمد") == {ids["ahmed"]}  # hamza-blind, as typed on a phone
    assert shown_for(q="الاستقبال رائعا") == {ids["ahmed"]}
    assert shown_for(q="توصيل") == {ids["delivery"]}
    assert shown_for(q="PRICE") == {ids["script"]}
    assert shown_for(q="50%") == set()
    assert shown_for(source="survey") == {ids["ahmed"]}
    assert shown_for(sentiment="negative") == {ids["delivery"]}
    assert shown_for(topic="delivery") == {ids["delivery"]}
    assert shown_for(intent="praise", language="ar") == {ids["ahmed"]}
    assert shown_for(since="2026-03-11", until="2026-03-12") == {ids["script"], ids["app"]}
    assert shown_for(topic="not-a-topic", sentiment="furious") == set(_shown_items(html))


def test_comments_are_escaped_and_topic_phrases_highlighted(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    html = client.get("/feedback").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert re.search(r'<mark class="topic-phrase" data-topic="price_value"[^>]*>price</mark>', html)
    assert re.search(r'<mark class="topic-phrase" data-topic="delivery"[^>]*>التوصيل</mark>', html)


def test_the_summary_counts_topics_by_sentiment_with_a_monthly_trend(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    html = client.get("/feedback").text
    summary = html.split('data-testid="topic-summary"')[1].split("</table>")[0]
    delivery_row = re.search(r'<tr data-topic="delivery">(.*?)</tr>', summary, re.S)
    assert delivery_row
    cells = re.findall(
        r'<td class="numeric">(?:<span dir="ltr">)?([^<]*)(?:</span>)?</td>', delivery_row.group(1)
    )
    # positive, neutral, negative, mixed, mentions, net
    assert cells == ["0", "0", "1", "0", "1", "-100"]
    trend = html.split('data-testid="monthly-trend"')[1].split("</table>")[0]
    assert re.findall(r'<td dir="ltr">(\d{4}-\d{2})</td>', trend) == ["2026-03", "2026-04"]
    filtered = client.get("/feedback", params={"source": "survey"}).text
    assert 'data-topic="delivery"' not in filtered.split('data-testid="topic-summary"')[1]


def test_pages_follow_the_cursor(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    for index in range(53):
        add_feedback(session, workspace, f"تعليق {index}", external_id=str(index))
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    first = client.get("/feedback").text
    next_link = re.search(r'data-testid="next-page" href="([^"]+)"', first)
    assert next_link
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    assert len(_shown_items(first)) == 50 and len(_shown_items(second)) == 3
    assert not set(_shown_items(first)) & set(_shown_items(second))


def test_the_page_costs_the_same_queries_for_5_items_or_50(
    client: TestClient, session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ANALYST))

    def page_queries() -> int:
        with count_queries(engine) as counter:
            assert client.get("/feedback").status_code == 200
        return counter.count

    _seed(session, workspace)
    few = page_queries()
    ids = [add_feedback(session, workspace, DELIVERY, external_id=str(n)).id for n in range(46)]
    annotate_items(session, workspace_id=workspace.id, item_ids=ids)
    session.commit()
    assert page_queries() == few


def test_an_analyst_corrects_an_item_from_the_explorer(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    ids = _seed(session, workspace)
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    assert 'data-testid="correction-form"' in client.get("/feedback").text
    csrf = page_csrf(client, "/feedback")

    response = client.post(
        f"/feedback/{ids['delivery']}/corrections",
        data={
            "csrf_token": csrf,
            "sentiment": "neutral",
            "intent": "complaint",
            "emotion": "anger",
            "topics": ["delivery", "price_value"],
            "topics_shown": "true",
            "back": "?source=review",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/feedback?source=review#item-{ids['delivery']}"
    stored = session.scalars(select(TextCorrection.field).order_by(TextCorrection.id)).all()
    assert stored == ["sentiment", "emotion", "topics"]

    html = client.get("/feedback", params={"sentiment": "neutral"}).text
    assert ids["delivery"] in _shown_items(html)
    item_html = html.split(f'id="item-{ids["delivery"]}"')[1].split("</li>")[0]
    assert 'data-testid="corrected"' in item_html
    assert 'data-emotion="anger"' in item_html and 'data-topic="price_value"' in item_html
    assert ids["delivery"] in _shown_items(
        client.get("/feedback", params={"topic": "price_value"}).text
    )

    refused = client.post(
        f"/feedback/{ids['delivery']}/corrections",
        data={"csrf_token": csrf, "sentiment": "furious"},
        follow_redirects=False,
    )
    assert refused.status_code == 422


def test_viewers_cannot_correct(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    ids = _seed(session, workspace)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    response = client.post(
        f"/feedback/{ids['delivery']}/corrections",
        data={"csrf_token": page_csrf(client, "/feedback"), "sentiment": "positive"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert session.scalars(select(TextCorrection)).all() == []


def test_the_api_lists_items_with_their_annotations(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    ids = _seed(session, workspace)
    headers = bearer(session, workspace, Role.VIEWER)

    listed = client.get("/api/v1/feedback", params={"limit": 3}, headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [item["id"] for item in body["items"]] == [ids["ahmed"], ids["app"], ids["script"]]
    script = body["items"][2]
    assert script["text"] == SCRIPT and script["source"] == "ticket"
    annotation = script["annotation"]
    assert annotation["model_version"] and annotation["language"] == "en"
    assert annotation["topics"][0]["topic"] == "price_value"
    start, end = annotation["topics"][0]["spans"][0]
    assert SCRIPT[start:end] == "price"
    rest = client.get(
        "/api/v1/feedback", params={"cursor": body["next_cursor"]}, headers=headers
    ).json()
    assert [item["id"] for item in rest["items"]] == [ids["delivery"]]
    assert rest["next_cursor"] is None

    def api_ids(**params: str) -> list[int]:
        found = client.get("/api/v1/feedback", params=params, headers=headers).json()["items"]
        return [item["id"] for item in found]

    assert api_ids(q="احمد") == [ids["ahmed"]]
    assert api_ids(topic="delivery", sentiment="negative") == [ids["delivery"]]
    assert api_ids(channel="no-such-channel") == []
    assert api_ids(**{"from": "2026-04-01T00:00:00+00:00"}) == [ids["ahmed"]]
    naive = client.get("/api/v1/feedback", params={"from": "2026-04-01T00:00"}, headers=headers)
    assert naive.status_code == 422
    bad_cursor = client.get("/api/v1/feedback", params={"cursor": "nope"}, headers=headers)
    assert bad_cursor.status_code == 422
    assert (
        client.get("/api/v1/feedback", params={"sentiment": "x"}, headers=headers).status_code
        == 422
    )
