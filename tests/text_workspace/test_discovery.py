"""Discovered topics: clusters of the comments no taxonomy topic covers."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.text.discovery import discover_topics
from nabd.text.discovery_service import discover_workspace_topics
from nabd.text.workspace_topics import list_topics
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.text_workspace.factories import add_comments

# Repeated complaints the shipped taxonomy has no topic for, in both languages, plus covered
# comments (delivery, price) and one-offs that must not form a cluster.
SIGNAL = [
    "signal keeps dropping at home",
    "the signal keeps dropping during calls",
    "no signal at home since monday",
    "signal dropping every evening",
    "weak signal at home, calls cut",
]
NETWORK_AR = [
    "الشبكه طايحه من امس",
    "الشبكه طايحه في الحي كله",
    "ليش الشبكه طايحه كل يوم",
    "الشبكه طايحه وقت الذروه",
]
COVERED = ["التوصيل تأخر ثلاث أيام", "the price is too high", "delivery was late again"]
ONE_OFFS = ["my cat likes the box", "ابغى اغير اسمي", "hello"]


def _signal_topics(phrases_of_topics: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [phrases for phrases in phrases_of_topics if any("signal" in p for p in phrases)]


def test_discover_topics_groups_repeated_complaints_by_language() -> None:
    texts = SIGNAL + NETWORK_AR + ONE_OFFS
    languages = ["en"] * len(SIGNAL) + ["ar"] * len(NETWORK_AR) + ["en", "ar", "en"]
    topics = discover_topics(texts, languages)
    arabic = [topic for topic in topics if topic.language == "ar"]
    assert [topic.phrases for topic in arabic] == [("الشبكه طايحه",)]
    assert sorted(arabic[0].members) == [5, 6, 7, 8]
    english = [topic for topic in topics if topic.language == "en"]
    assert english and _signal_topics([topic.phrases for topic in english])
    # One-offs never form a group.
    assert all(member < len(SIGNAL) for topic in english for member in topic.members)


def test_discover_topics_needs_shared_words() -> None:
    assert discover_topics(ONE_OFFS, ["en", "ar", "en"]) == []
    assert discover_topics(["a b", "c d", "e f", "g h", "i j", "k l"], ["en"] * 6) == []


def test_workspace_discovery_skips_covered_comments(session: Session) -> None:
    workspace = make_workspace(session)
    add_comments(session, workspace, SIGNAL + NETWORK_AR + COVERED + ONE_OFFS)
    discovery = discover_workspace_topics(session, workspace_id=workspace.id)
    # Two signal complaints mention "calls" (support/resolution): covered, not uncovered.
    assert discovery.scanned == 15 and discovery.uncovered == 10
    arabic = next(topic for topic in discovery.topics if topic.language == "ar")
    assert arabic.phrases == ("الشبكه طايحه",) and arabic.count == 4
    assert arabic.suggested_key == "discovered_1"
    signal = next(topic for topic in discovery.topics if "signal" in " ".join(topic.phrases))
    assert signal.count >= 3 and signal.suggested_key.startswith("signal")
    assert set(signal.examples) <= set(SIGNAL)
    other = make_workspace(session, "other")
    assert discover_workspace_topics(session, workspace_id=other.id).topics == []


def test_promoting_a_discovered_topic_makes_it_a_topic(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    add_comments(session, workspace, [*SIGNAL, *NETWORK_AR, "<script>alert(1)</script> signal"])
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/settings/text/discovered")
    assert page.status_code == 200
    assert page.text.count("data-discovered-topic=") >= 2 and "الشبكه طايحه" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert '<li class="border-start border-3 ps-2 mb-2" dir="auto">' in page.text
    response = client.post(
        "/settings/text/topics",
        data={
            "csrf_token": page_csrf(client, "/settings/text/discovered"),
            "key": "network_down",
            "label_ar": "الشبكة طايحة",
            "label_en": "Network down",
            "phrases": "الشبكه طايحه",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "network_down" in {
        topic.key for topic in list_topics(session, workspace_id=workspace.id)
    }
    after = client.get("/settings/text/discovered").text
    main = after[after.index("<main") :]
    assert "الشبكه طايحه" not in main and "4 match no topic" in main
