"""The taxonomy matcher: folding, clitics, spans, multi-label and workspace edits."""

from nabd.text.topics import Taxonomy, default_taxonomy, merge_taxonomy


def _topics(text: str, taxonomy: Taxonomy | None = None) -> list[str]:
    return [match.topic for match in (taxonomy or default_taxonomy()).find(text)]


def test_default_taxonomy_is_bilingual() -> None:
    taxonomy = default_taxonomy()
    assert {"price_value", "staff_behaviour", "delivery", "food"} <= set(taxonomy.topic_ids)
    for topic in taxonomy.topics:
        assert topic.labels["ar"] and topic.labels["en"]


def test_arabic_clitics_and_suffixes() -> None:
    assert _topics("بالسعر") == ["price_value"]
    assert _topics("سعره مرتفع") == ["price_value"]
    assert _topics("والتوصيل") == ["delivery"]


def test_letter_variants_and_diacritics_match() -> None:
    text = "دُورات المياه وسخة"
    matches = default_taxonomy().find(text)
    assert [match.topic for match in matches] == ["cleanliness", "cleanliness"]
    assert text[matches[0].start : matches[0].end] == "دُورات المياه"


def test_short_phrases_do_not_match_inside_words() -> None:
    # "رد" (reply) must not match "برد" (cold) through the clitic ب.
    assert "support_resolution" not in _topics("الجو برد")
    assert "support_resolution" in _topics("ما في رد")


def test_english_word_boundaries_and_plurals() -> None:
    assert _topics("online") == ["app_website"]
    assert "speed_waiting" not in _topics("online")
    assert _topics("my bags") == ["baggage"]
    assert _topics("customer services") == ["support_resolution"]


def test_multi_label_and_longest_phrase() -> None:
    text = "lost luggage and customer service never answered"
    matches = default_taxonomy().find(text)
    assert [(match.topic, match.phrase) for match in matches][:2] == [
        ("baggage", "lost luggage"),
        ("support_resolution", "customer service"),
    ]


def test_custom_topics_at_call_time() -> None:
    taxonomy = merge_taxonomy(
        default_taxonomy(),
        add_or_replace=[
            {
                "id": "parking_fees",
                "label": {"ar": "رسوم المواقف", "en": "Parking fees"},
                "phrases": {"ar": ["رسوم المواقف"], "en": ["parking fee"]},
            },
        ],
        extra_phrases={"food": ["شاورما"]},
        remove=["cleanliness"],
    )
    assert "parking_fees" in _topics("parking fees are crazy", taxonomy)
    assert _topics("الشاورما باردة", taxonomy) == ["food", "food"]
    assert "cleanliness" not in _topics("dirty toilets", taxonomy)
    assert "cleanliness" in _topics("dirty toilets")


def test_replaced_topic_uses_new_phrases_only() -> None:
    taxonomy = merge_taxonomy(
        default_taxonomy(), add_or_replace=[{"id": "food", "phrases": ["kebab"]}]
    )
    assert _topics("kebab", taxonomy) == ["food"]
    assert "food" not in _topics("the meal", taxonomy)


def test_taxonomy_round_trips_through_its_json_shape() -> None:
    taxonomy = default_taxonomy()
    assert Taxonomy.from_dict(taxonomy.as_dict()).topics == taxonomy.topics


def test_empty_taxonomy_finds_nothing() -> None:
    assert Taxonomy(topics=()).find("price") == []
