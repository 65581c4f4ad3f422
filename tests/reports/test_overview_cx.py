"""The overview's filters, extra tiles, heat map, top topics and table exports."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot, snapshot_freshness
from nabd.config import Settings
from nabd.core.types import utcnow
from nabd.events import service as events
from nabd.feedback.service import record_feedback
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.places import Places
from nabd.reports.overview import OverviewFilters, build_overview, trend_start
from nabd.reports.topics import top_topics
from nabd.surveys.models import Survey
from nabd.text.annotations import AnnotationTopic
from nabd.text.annotations_service import annotate_items
from nabd.workspaces.models import Workspace
from tests.analytics.seed import seed_spine
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.journeys.factories import make_journey, make_touchpoints
from tests.metrics.factories import answer, make_cx_survey

TEXTS = [
    "الخدمة ممتازة والموظفون لطفاء جدًا",
    "Terrible delivery, the order arrived broken and late",
    "I love the new app, checkout was so easy",
    "لم يرد أحد على اتصالي وهذا سيئ جدًا",
    "Delivery was fast and the staff were great",
]


def _seed(session: Session, workspace: Workspace) -> Survey:
    """NPS answers on two channels and in two languages, and annotated comments."""
    survey = make_cx_survey(session, workspace)
    now = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    rows = [(10, "web", "ar", 1), (9, "web", "en", 2), (2, "app", "ar", 3), (10, "app", "en", 40)]
    for nps, channel, language, days_ago in rows:
        answer(
            session,
            survey,
            at=now - timedelta(days=days_ago),
            scores={"nps": nps, "csat": 5},
            channel=channel,
            language=language,
        )
    items = [
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=text,
            created_at=now - timedelta(days=index + 1),
        )[0]
        for index, text in enumerate(TEXTS)
    ]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id for item in items])
    session.commit()
    return survey


def _tiles(page: str) -> str:
    return page.split('data-testid="cx-tiles"')[1].split('data-testid="nps-trend-table"')[0]


def test_every_filter_reaches_the_tiles_and_the_drilldown(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    survey = _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    assert 'data-testid="nps-value">33.3' in _tiles(client.get("/").text)
    english = client.get("/?language=en").text
    assert 'data-testid="nps-value">100' in _tiles(english)
    assert "language=en" in english.split('data-testid="nps-drilldown"')[0].rsplit("href=", 1)[1]
    assert '<option value="en" selected>' in english
    by_touchpoint = client.get("/?touchpoint=web_checkout&channel=app").text
    assert 'data-testid="nps-value">-100' in _tiles(by_touchpoint)
    drill = by_touchpoint.split('data-testid="nps-drilldown"')[0].rsplit("href=", 1)[1]
    assert "touchpoint_id=" in drill and "channel_id=" in drill
    # The survey filter keeps the survey metrics and leaves out those that cannot apply it.
    one_survey = client.get(f"/?survey={survey.id}").text
    assert 'data-testid="nps-value">33.3' in _tiles(one_survey)
    assert 'data-testid="sentiment-value"' not in one_survey
    assert 'data-testid="cx-left-out"' in one_survey
    assert f"survey={survey.id}" in one_survey.split('data-testid="export-trend"')[1]


def test_invalid_filters_are_refused_with_a_message(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    other_survey = make_cx_survey(session, make_workspace(session, "other"))
    session.commit()
    sign_in(client, make_member(session, workspace))
    for query in ("channel=nowhere", "touchpoint=nowhere", "language=arabic", "survey=abc"):
        response = client.get(f"/?{query}&lang=en")
        assert response.status_code == 422, query
    unknown = client.get("/?channel=nowhere&lang=en")
    assert "Unknown channel." in unknown.text
    # Another workspace's survey is as unknown as a made-up one.
    assert client.get(f"/?survey={other_survey.id}").status_code == 422


def test_sentiment_churn_and_retention_tiles(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    page = client.get("/?lang=en").text
    today = utcnow().date()
    expected = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="sentiment",
        query=MetricQuery(start=today - timedelta(days=29), end=today),
    )
    assert expected.n == len(TEXTS)
    shown = page.split('data-testid="sentiment-value">')[1].split("<")[0].strip()
    assert shown == f"{round(expected.value or 0, 1):g}"
    for metric in ("churn_rate", "retention"):
        assert f'data-testid="{metric}-value"' in page
        assert (
            "The analytics snapshot has not been built yet."
            in page.split(f'data-testid="{metric}-freshness"')[1].split("</div>")[0]
        )
    # No monthly cohort fits in the default 30 days: the tile says why and offers the last
    # three whole months, in which the cohorts and the months after them have ended.
    hint = page.split('data-testid="retention-hint"')[1].split("</div>")[0]
    first = today.replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    start = (start - timedelta(days=1)).replace(day=1)
    start = (start - timedelta(days=1)).replace(day=1)
    end = first - timedelta(days=1)
    assert f'href="/?from={start.isoformat()}&amp;to={end.isoformat()}"' in hint


def test_heat_map_holds_nps_by_touchpoint_and_month(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    page = client.get("/?lang=en").text
    table = page.split('data-testid="nps-heatmap-table"')[1].split("</table>")[0]
    today = utcnow().date()
    trend = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="nps",
        query=MetricQuery(
            start=trend_start(today),
            end=today,
            touchpoint="web_checkout",
            group_by="month",
        ),
    )
    assert "Checkout" in table
    for group in trend.groups:
        assert f">{group.key}</th>" in table
    assert 'id="nps-heatmap-chart-rows">["Checkout"]' in page
    exported = client.get("/overview/export/heatmap.csv").content.decode("utf-8-sig")
    header, *cells = list(csv.reader(io.StringIO(exported)))
    assert header == ["Touchpoint", "Month", "NPS", "±", "n"]
    assert [(row[1], int(row[4])) for row in cells] == [(g.key, g.n) for g in trend.groups]


def test_top_topics_link_to_the_explorer(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    page = client.get("/?lang=en").text
    topics = page.split('data-testid="cx-topics"')[1].split("</section>")[0]
    listed_any = 0
    for side in ("positive", "negative"):
        counts = session.execute(
            select(AnnotationTopic.topic, func.count())
            .where(AnnotationTopic.workspace_id == workspace.id, AnnotationTopic.sentiment == side)
            .group_by(AnnotationTopic.topic)
        ).all()
        listed = topics.split(f'data-testid="topics-{side}"')[1].split("</ol>")[0]
        for topic, count in counts:
            assert f"topic={topic}&amp;sentiment={side}" in listed
            assert f"({count} / " in listed
        listed_any += len(counts)
    assert listed_any > 0


def test_top_topics_of_a_journey_are_its_touchpoints_texts(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    store, call = make_touchpoints(session, workspace, ["store", "call"])
    journey = make_journey(session, workspace, [("Visit", ["store"])])
    now = utcnow()
    items = [
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=text,
            created_at=now - timedelta(days=index + 1),
            touchpoint_id=(store if index % 2 else call).id,
        )[0]
        for index, text in enumerate(TEXTS)
    ]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id for item in items])
    session.commit()
    at_store = [item.id for item in items if item.touchpoint_id == store.id]
    mentions = session.execute(
        select(AnnotationTopic.topic, AnnotationTopic.sentiment, func.count())
        .where(AnnotationTopic.feedback_item_id.in_(at_store))
        .group_by(AnnotationTopic.topic, AnnotationTopic.sentiment)
    ).all()
    found = top_topics(
        session,
        workspace_id=workspace.id,
        channel=None,
        touchpoint=None,
        language=None,
        since=now - timedelta(days=30),
        until=now,
        journey_id=journey.id,
    )
    listed = {
        (summary.topic, side, getattr(summary, side))
        for side in ("positive", "negative")
        for summary in getattr(found, side)
    }
    expected = {(topic, side, count) for topic, side, count in mentions if side != "neutral"}
    assert listed == expected and listed
    sign_in(client, make_member(session, workspace))
    page = client.get(f"/?journey={journey.id}&lang=en").text
    topics = page.split('data-testid="cx-topics"')[1].split("</section>")[0]
    assert topics.count(f"journey_id={journey.id}") == len(listed)


def test_tables_export_as_csv_and_xlsx_in_the_users_language(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session, language="ar")
    _seed(session, workspace)
    _seed(session, make_workspace(session, "other"))
    sign_in(client, make_member(session, workspace))
    response = client.get("/overview/export/channel.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["القناة", "صافي نقاط الترويج", "±", "n"]
    # Only this workspace's answers: web 2 promoters of 2, app 1 detractor of 1.
    assert sorted((row[1], row[3]) for row in rows[1:]) == [("-100.0", "1"), ("100.0", "2")]
    arabic_answers = client.get("/overview/export/channel.xlsx?language=ar")
    sheet = load_workbook(io.BytesIO(arabic_answers.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == rows[0]
    assert sorted((row[1], row[3]) for row in values[1:]) == [(-100.0, 1), (100.0, 1)]
    for table in ("trend", "touchpoint", "heatmap", "topics"):
        for extension in ("csv", "xlsx"):
            assert client.get(f"/overview/export/{table}.{extension}").status_code == 200
    assert client.get("/overview/export/secrets.csv").status_code == 404
    assert client.get("/overview/export/trend.pdf").status_code == 404
    assert client.get("/overview/export/trend.csv?channel=nowhere").status_code == 422


def test_export_needs_a_signed_in_member(client: TestClient) -> None:
    response = client.get("/overview/export/trend.csv", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert not response.content.startswith("\ufeff".encode())


def test_topics_use_the_period(session: Session) -> None:
    """Comments older than the period are not counted."""
    workspace = make_workspace(session)
    item = record_feedback(
        session,
        workspace_id=workspace.id,
        source="review",
        text="Terrible delivery, the order arrived broken",
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )[0]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id])
    recent = top_topics(
        session,
        workspace_id=workspace.id,
        channel=None,
        touchpoint=None,
        language=None,
        since=datetime(2021, 1, 1, tzinfo=UTC),
        until=datetime(2022, 1, 1, tzinfo=UTC),
    )
    then = top_topics(
        session,
        workspace_id=workspace.id,
        channel=None,
        touchpoint=None,
        language=None,
        since=datetime(2020, 1, 1, tzinfo=UTC),
        until=datetime(2020, 1, 2, tzinfo=UTC),
    )
    assert recent.positive == recent.negative == []
    # One comment: each topic it mentions negatively counts once.
    assert then.negative and {summary.negative for summary in then.negative} == {1}


def test_churn_and_retention_come_from_the_snapshot_and_say_its_age(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "customer_id": spine.customer_ids[1],
                "type": "churned",
                "occurred_at": datetime(2026, 3, 30, tzinfo=UTC),
                "properties": {},
            }
        ],
    )
    session.commit()
    root = settings.resolved_analytics_dir
    refresh_snapshot(session, root=root, workspace_id=workspace.id, settle_seconds=0)
    session.commit()
    sign_in(client, make_member(session, workspace))
    as_of = snapshot_freshness(session, workspace_id=workspace.id)
    assert as_of is not None
    for metric, start, end in [
        ("churn_rate", date(2026, 3, 1), date(2026, 3, 31)),
        ("retention", date(2025, 12, 1), date(2026, 3, 31)),
    ]:
        page = client.get(f"/?from={start}&to={end}&lang=en").text
        expected = compute_metric(
            session,
            workspace_id=workspace.id,
            metric=metric,
            query=MetricQuery(start=start, end=end),
            settings=settings,
        )
        assert expected.n > 0
        shown = page.split(f'data-testid="{metric}-value">')[1].split("%")[0].split("<")[0]
        assert shown.strip().replace(",", "") == f"{round(expected.value or 0, 1):g}"
        freshness = page.split(f'data-testid="{metric}-freshness"')[1].split("</div>")[0]
        assert as_of.strftime("%Y-%m-%d %H:%M") in freshness
    assert 'data-testid="retention-hint"' not in page  # cohorts in the period: no hint


def test_journey_and_stage_filters_keep_their_touchpoints(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    make_touchpoints(session, workspace, ["store"])
    shopping = make_journey(
        session, workspace, [("Store", ["store"]), ("Checkout", ["web_checkout"])]
    )
    elsewhere = make_journey(session, workspace, [("Visit", ["store"])], name_en="Visit")
    sign_in(client, make_member(session, workspace))
    page = client.get(f"/?journey={shopping.id}&lang=en").text
    # Every answer was given at the checkout, which is in the journey's second stage.
    assert 'data-testid="nps-value">33.3' in _tiles(page)
    assert f'<option value="{shopping.id}" selected>Buying online</option>' in page
    # The seeded reviews are at no touchpoint, so the journey's sentiment index has no texts.
    assert 'data-testid="sentiment-value">—' in _tiles(page)
    texts = page.split('data-testid="sentiment-drilldown"')[0].rsplit("href=", 1)[1]
    assert f"journey_id={shopping.id}" in texts.split('"')[1]
    assert f"journey={shopping.id}" in page.split('data-testid="export-trend"')[1]
    store_stage = shopping.stages[0].id
    empty = client.get(f"/?journey={shopping.id}&stage={store_stage}").text
    assert 'data-testid="nps-value">—' in _tiles(empty)
    assert f'<option value="{store_stage}" selected>' in empty
    assert client.get(f"/overview/export/trend.csv?journey={shopping.id}").status_code == 200
    # A stage of another journey, and a journey of no one, are refused by name.
    mismatched = client.get(f"/?journey={elsewhere.id}&stage={store_stage}&lang=en")
    assert mismatched.status_code == 422 and "Unknown stage of this journey." in mismatched.text
    assert client.get("/?journey=999999").status_code == 422


def test_every_tile_and_breakdown_row_drills_down_to_its_texts(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    page = client.get("/?lang=en").text
    for metric in ("nps", "csat", "ces"):
        link = page.split(f'data-testid="{metric}-drilldown"')[0].rsplit("href=", 1)[1]
        assert link.startswith('"/feedback?source=survey&amp;since='), metric
    texts = page.split('data-testid="sentiment-drilldown"')[0].rsplit("href=", 1)[1]
    assert texts.startswith('"/feedback?since=') and "source=" not in texts
    channel_table = page.split('data-testid="nps-channel-table"')[1].split("</table>")[0]
    web_id = Places(session, workspace_id=workspace.id).channels["web"]
    assert f"channel_id={web_id}" in channel_table
    heat_table = page.split('data-testid="nps-heatmap-table"')[1].split("</table>")[0]
    assert "touchpoint_id=" in heat_table


def test_the_period_reads_in_hijri_and_arabic_digits_when_chosen(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session, language="ar")
    _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    url = "/?from=2026-11-01&to=2026-11-30"
    plain = client.get(url).text
    assert "2026-11-01" in plain and 'data-testid="cx-from-hijri"' not in plain
    saved = client.post(
        "/settings/display",
        data={"csrf_token": page_csrf(client), "digits": "arabic", "calendar": "hijri"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(url).text
    # 1 November 2026 is 21 Jumada al-Ula 1448 in the Umm al-Qura calendar.
    assert "٢١ جمادى الأولى ١٤٤٨ هـ" in page.split('data-testid="cx-from-hijri">')[1]
    assert 'value="2026-11-01"' in page  # the input itself stays ISO
    period = page.split('data-testid="cx-filters"')[1].split("</form>")[1].split("</p>")[0]
    assert "٢١ جمادى الأولى ١٤٤٨ هـ" in period and "2026-11-01" not in period


def test_overview_numbers_equal_one_metric_at_a_time(session: Session, settings: Settings) -> None:
    """The tiles (both periods from one read) and the trend (from the heat map's read) are
    what each metric gives on its own, also for a period longer than the trend's 12 months,
    whose heat map keeps only the last 12."""
    workspace = make_workspace(session)
    survey = _seed(session, workspace)
    today = utcnow().date()
    long_ago = utcnow() - timedelta(days=500)
    answer(session, survey, at=long_ago, scores={"nps": 0, "csat": 1, "ces": 2}, channel="app")
    session.commit()
    for filters in (
        OverviewFilters(start=today - timedelta(days=29), end=today),
        OverviewFilters(start=today - timedelta(days=600), end=today, channel="app"),
    ):
        overview = build_overview(
            session, workspace_id=workspace.id, filters=filters, settings=settings
        )
        for tile in overview.tiles:
            for shown, query in (
                (tile.current, filters.query()),
                (tile.previous, filters.previous.query()),
            ):
                assert shown == compute_metric(
                    session,
                    workspace_id=workspace.id,
                    metric=tile.metric,
                    query=query,
                    settings=settings,
                ), tile.metric
        trend_from = min(trend_start(filters.end), filters.start)
        assert overview.nps_trend == compute_metric(
            session,
            workspace_id=workspace.id,
            metric="nps",
            query=filters.query("month", start=trend_from),
        )
        assert overview.heatmap_months[0] >= f"{trend_start(filters.end):%Y-%m}"
    assert overview.nps_trend.groups[0].key == f"{long_ago:%Y-%m}"
