"""Skip logic and answer checking: pure functions, no database."""

from typing import Any

import pytest

from nabd.surveys.branching import PRESENCE_OPS as PRESENCE
from nabd.surveys.branching import (
    RuleInvalid,
    compiled_rule,
    evaluate,
    validate_rule,
    visible_questions,
)
from nabd.surveys.questions import AnswerInvalid, QuestionSpec, from_text, normalise_answer
from nabd.surveys.respondent import next_page

NPS = QuestionSpec(1, "nps", "nps", required=True)
PICK = QuestionSpec(
    2, "pick", "multiple_choice", settings={"options": [{"key": "a"}, {"key": "b"}]}
)
LOW = QuestionSpec(3, "low", "text", condition={"question": "nps", "op": "lte", "value": 6})
HIGH = QuestionSpec(4, "high", "text", condition={"question": "nps", "op": "gte", "value": 7})
BOTH = QuestionSpec(
    5,
    "both",
    "text",
    condition={
        "all": [
            {"question": "pick", "op": "includes", "value": "b"},
            {"any": [{"question": "nps", "op": "in", "value": [0, 10]}]},
        ]
    },
)


@pytest.mark.parametrize(("score", "shown"), [(0, "low"), (6, "low"), (7, "high"), (10, "high")])
def test_nps_follow_up_depends_on_the_score(score: int, shown: str) -> None:
    keys = [spec.key for spec in visible_questions([NPS, LOW, HIGH], {"nps": score})]
    assert keys == ["nps", shown]


def test_nested_rules_and_unanswered_questions() -> None:
    assert evaluate(BOTH.condition, {"nps": 10, "pick": ["a", "b"]})
    assert not evaluate(BOTH.condition, {"nps": 9, "pick": ["b"]})
    assert not evaluate(LOW.condition, {})
    assert evaluate({"question": "nps", "op": "not_answered"}, {})


CHOICE = QuestionSpec(
    6, "choice", "single_choice", settings={"options": [{"key": "x"}, {"key": "y"}]}
)
RULES = [
    *(
        {"question": key, "op": op, "value": value}
        for key, value in (("nps", 6), ("nps", 0), ("nps", 10))
        for op in ("eq", "ne", "lt", "lte", "gt", "gte")
    ),
    {"question": "nps", "op": "in", "value": [0, 10]},
    {"question": "choice", "op": "eq", "value": "x"},
    {"question": "choice", "op": "ne", "value": "x"},
    {"question": "choice", "op": "in", "value": ["x", "y"]},
    {"question": "pick", "op": "includes", "value": "b"},
    *({"question": key, "op": op} for key in ("nps", "pick") for op in sorted(PRESENCE)),
    LOW.condition,
    BOTH.condition,
    {"any": [{"question": "nps", "op": "lt", "value": 3}, {"question": "pick", "op": "answered"}]},
]
ANSWERS = [
    {},
    {"nps": 0},
    {"nps": 6, "pick": ["a"]},
    {"nps": 10, "pick": ["a", "b"], "choice": "x"},
    {"nps": 7, "pick": None, "choice": "y"},
    {"nps": None, "pick": ["b"], "choice": None},
    {"nps": "6", "pick": "b", "choice": 1},  # answers a survey never stores: still the same
]


@pytest.mark.parametrize("rule", RULES)
def test_compiled_rules_answer_as_evaluate(rule: dict[str, Any]) -> None:
    ids = {"nps": 1, "pick": 2, "choice": 6, "low": 3}
    compiled = compiled_rule(rule, ids)
    assert compiled is not None
    for answers in ANSWERS:
        by_id = {ids[key]: value for key, value in answers.items()}
        assert compiled(by_id) == evaluate(rule, answers), answers


def test_rules_that_do_not_compile_are_left_to_evaluate() -> None:
    ids = {"nps": 1}
    assert compiled_rule({"question": "gone", "op": "answered"}, ids) is None
    assert compiled_rule({"question": "nps", "op": "like", "value": 1}, ids) is None
    assert compiled_rule({"all": [{"question": "gone", "op": "answered"}]}, ids) is None


def test_rules_are_validated_against_earlier_questions() -> None:
    earlier = {"nps": NPS, "pick": PICK}
    assert validate_rule({"question": "nps", "op": "lt", "value": 7}, earlier)
    for rule in (
        {"question": "later", "op": "eq", "value": 1},
        {"question": "nps", "op": "lte", "value": 11},
        {"question": "pick", "op": "gt", "value": "a"},
        {"question": "pick", "op": "includes", "value": "z"},
        {"question": "nps", "op": "like", "value": 1},
        {"all": []},
        "nps <= 6",
    ):
        with pytest.raises(RuleInvalid):
            validate_rule(rule, earlier)


def test_pages_break_before_a_question_that_depends_on_the_page() -> None:
    specs = [NPS, PICK, LOW, HIGH]
    assert [s.key for s in next_page(specs, {}, set())] == ["nps", "pick"]
    answers = {"nps": 3, "pick": None}
    assert [s.key for s in next_page(specs, answers, {1, 2})] == ["low"]
    assert next_page(specs, {"nps": 3, "low": "late"}, {1, 2, 3}) == []


def test_answers_are_normalised_or_refused() -> None:
    matrix = QuestionSpec(
        6,
        "m",
        "matrix",
        required=True,
        settings={"rows": [{"key": "speed"}, {"key": "price"}], "scale_min": 1, "scale_max": 5},
    )
    assert normalise_answer(PICK, ["b", "a", "b"]) == ["a", "b"]
    assert normalise_answer(matrix, {"price": 2, "speed": 5}) == {"speed": 5, "price": 2}
    assert normalise_answer(QuestionSpec(7, "t", "text"), "   ") is None
    for spec, value in ((NPS, True), (NPS, 7.5), (matrix, {"speed": 5}), (PICK, "a")):
        with pytest.raises(AnswerInvalid):
            normalise_answer(spec, value)
    assert from_text(matrix, "speed=5; price=2") == {"speed": 5, "price": 2}
    assert from_text(PICK, "a; b") == ["a", "b"]
