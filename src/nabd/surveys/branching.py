"""Skip logic: a question shown only when a rule on earlier answers holds. Pure Python.

A rule is a small JSON document:

    {"question": "nps", "op": "lte", "value": 6}
    {"all": [rule, ...]}      every rule holds
    {"any": [rule, ...]}      at least one holds

`op` is one of eq, ne, lt, lte, gt, gte (numbers or option keys), in (a list of values),
includes (a multiple-choice answer contains the option), answered, not_answered. A rule may
only look at questions that come earlier, so a survey can never loop.
"""

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from nabd.core.i18n import N_
from nabd.surveys.questions import CHOICE_TYPES, SCORE_TYPES, QuestionSpec

ORDER_OPS = frozenset({"lt", "lte", "gt", "gte"})
VALUE_OPS = frozenset({"eq", "ne", *ORDER_OPS, "in", "includes"})
PRESENCE_OPS = frozenset({"answered", "not_answered"})
MAX_DEPTH = 4


class RuleInvalid(ValueError):
    """A rule that cannot be evaluated; `reason` is a catalogue message id."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason % params if params else reason)
        self.reason = reason
        self.params = params


def validate_rule(
    rule: Any, earlier: Mapping[str, QuestionSpec], *, depth: int = 0
) -> dict[str, Any]:
    """The rule, checked against the questions before the one it guards."""
    if not isinstance(rule, dict) or depth > MAX_DEPTH:
        raise RuleInvalid(N_("A condition must be an object."))
    for combinator in ("all", "any"):
        if combinator in rule:
            parts = rule[combinator]
            if set(rule) != {combinator} or not isinstance(parts, list) or not parts:
                raise RuleInvalid(N_("“all” and “any” take a non-empty list of conditions."))
            return {combinator: [validate_rule(part, earlier, depth=depth + 1) for part in parts]}
    key: Any = rule.get("question")
    op: Any = rule.get("op")
    if key not in earlier:
        raise RuleInvalid(N_("A condition can only refer to an earlier question."))
    if op in PRESENCE_OPS:
        return {"question": key, "op": op}
    if op not in VALUE_OPS:
        raise RuleInvalid(N_("Unknown comparison: %(op)s."), op=str(op))
    spec = earlier[key]
    value: Any = rule.get("value")
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value):
        raise RuleInvalid(N_("“in” takes a non-empty list of values."))
    if op == "includes" and spec.type != "multiple_choice":
        raise RuleInvalid(N_("“includes” applies to multiple-choice questions only."))
    if op in ORDER_OPS and spec.type not in SCORE_TYPES:
        raise RuleInvalid(N_("Only scores can be compared as greater or less."))
    for item in values:
        _check_value(spec, item)
    return {"question": key, "op": op, "value": value}


def _check_value(spec: QuestionSpec, value: Any) -> None:
    if spec.type in SCORE_TYPES:
        low, high = spec.scale
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise RuleInvalid(
                N_("The value must be a whole number from %(min)s to %(max)s."), min=low, max=high
            )
    elif spec.type in CHOICE_TYPES:
        if value not in spec.option_keys:
            raise RuleInvalid(N_("The value must be one of the question's options."))
    elif not isinstance(value, str):
        raise RuleInvalid(N_("The value must be text."))


def evaluate(rule: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether the rule holds for `answers` (question key → normalised answer)."""
    if "all" in rule:
        return all(evaluate(part, answers) for part in rule["all"])
    if "any" in rule:
        return any(evaluate(part, answers) for part in rule["any"])
    answer = answers.get(rule["question"])
    op = rule["op"]
    if op == "answered":
        return answer is not None
    if op == "not_answered":
        return answer is None
    if answer is None:
        return False
    value: Any = rule.get("value")
    if op == "eq":
        return bool(answer == value)
    if op == "ne":
        return bool(answer != value)
    if op == "in":
        return answer in value
    if op == "includes":
        return isinstance(answer, list) and value in answer
    if not isinstance(answer, int):
        return False
    return {
        "lt": answer < value,
        "lte": answer <= value,
        "gt": answer > value,
        "gte": answer >= value,
    }[op]


Rule = Callable[[Mapping[int, Any]], bool]
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def compiled_rule(rule: Mapping[str, Any], ids: Mapping[str, int]) -> Rule | None:
    """`evaluate(rule, …)` as a function of the answers by question id (`ids`: question key
    → id), worked out once per survey instead of walked per response (a batch checks every
    item's conditions). None for a rule this cannot compile (an unknown key or operator,
    which `validate_rule` never lets through); the caller then uses `evaluate` itself."""
    for combinator, joined in (("all", all), ("any", any)):
        if combinator in rule:
            parts = [compiled_rule(part, ids) for part in rule[combinator]]
            if any(part is None for part in parts):
                return None
            held = cast(list[Rule], parts)
            return lambda answers: joined(part(answers) for part in held)
    question_id = ids.get(rule["question"])
    op = rule["op"]
    if question_id is None:
        return None
    if op == "answered":
        return lambda answers: answers.get(question_id) is not None
    if op == "not_answered":
        return lambda answers: answers.get(question_id) is None
    value: Any = rule.get("value")
    if op == "eq":
        return _given(question_id, lambda answer: bool(answer == value))
    if op == "ne":
        return _given(question_id, lambda answer: bool(answer != value))
    if op == "in":
        return _given(question_id, lambda answer: answer in value)
    if op == "includes":
        return _given(question_id, lambda answer: isinstance(answer, list) and value in answer)
    compare = _COMPARE.get(op)
    if compare is None:
        return None
    return _given(question_id, lambda answer: isinstance(answer, int) and compare(answer, value))


def _given(question_id: int, holds: Callable[[Any], bool]) -> Rule:
    """A comparison, false when the question has no answer (as in `evaluate`)."""

    def rule(answers: Mapping[int, Any]) -> bool:
        answer = answers.get(question_id)
        return answer is not None and holds(answer)

    return rule


def is_visible(spec: QuestionSpec, answers: Mapping[str, Any]) -> bool:
    return spec.condition is None or evaluate(spec.condition, answers)


def visible_questions(
    specs: Sequence[QuestionSpec], answers: Mapping[str, Any]
) -> list[QuestionSpec]:
    """The questions a respondent with these answers is asked, in order."""
    return [spec for spec in specs if is_visible(spec, answers)]


def referenced_keys(rule: Mapping[str, Any] | None) -> set[str]:
    if rule is None:
        return set()
    if "all" in rule or "any" in rule:
        return set().union(*(referenced_keys(part) for part in rule.get("all", rule.get("any"))))
    return {rule["question"]}
