"""A response batch's checks and rows, built column by column in a few passes.

The single-response path checks an answer through the generic `normalise_answer` and builds
a `NewResponse`, a `NewAnswer` per answer, a `NewFeedback` per text and a dict per row: for a
batch of 500 that was about 40 % of the server's Python time. Here a batch's accepted
responses become the columns of the rows they write (`insert_columns`), with the same values
in the same order, and their rollup counts are taken in the same pass. Anything the quick
answer check is not sure of goes to the single path's own checks (`checked_answers`), so a
rejection is exactly the one a single response gets.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from nabd.metrics.rollups import ROLLUP_KINDS, RollupPlaces, Scores
from nabd.surveys.batch_items import BatchAnswer
from nabd.surveys.branching import Rule, compiled_rule, evaluate
from nabd.surveys.definitions import CompiledSurvey
from nabd.surveys.questions import SCORE_TYPES, QuestionSpec, normalise_answer

# The score a text answer's feedback item carries, in order of preference.
RATING_TYPES = (("nps", 10), ("csat", 5))

# question id → normalised answer (None when it says nothing), as `checked_answers` builds it
Values = dict[int, Any]
# A checked response: its answers, channel id, language, completed, submitted time (UTC)
# and idempotency key.
Checked = tuple[Values, int | None, str, bool, datetime, str | None]


def _quick(spec: QuestionSpec) -> Callable[[Any], Any]:
    """`normalise_answer(spec, value)`, with the common cases (a whole number in the scale, a
    text within the limit) answered without its dispatch; everything else is left to it."""
    if spec.type in SCORE_TYPES:
        low, high = spec.scale

        def score(value: Any) -> Any:
            if value.__class__ is int and low <= value <= high:
                return value
            return normalise_answer(spec, value)

        return score
    if spec.type == "text":
        limit = spec.text_limit

        def text(value: Any) -> Any:
            if value.__class__ is str:
                stripped = value.strip()
                if len(stripped) <= limit:
                    return stripped or None
            return normalise_answer(spec, value)

        return text
    return lambda value: normalise_answer(spec, value)


class AnswerChecker:
    """`checked_answers` for the answers it accepts; None for anything it would refuse, so
    that the caller runs `checked_answers` itself for the exact errors.

    The questions' conditions are compiled once (`branching.compiled_rule`), and only the
    questions that have a condition or are required are looked at again after the answers:
    for the others neither of `checked_answers`' two later checks can fail."""

    def __init__(self, survey: CompiledSurvey) -> None:
        self._checks = {spec.id: _quick(spec) for spec in survey.questions}
        ids = {spec.key: spec.id for spec in survey.questions}
        self._later: list[tuple[int, bool, Rule | None]] | None = []
        for spec in survey.questions:
            rule = None if spec.condition is None else compiled_rule(spec.condition, ids)
            if spec.condition is not None and rule is None:
                self._later = None  # a rule only `evaluate` reads: it is the judge
                break
            if rule is not None or spec.required:
                self._later.append((spec.id, spec.required, rule))
        self._keys = [(spec.key, spec.id) for spec in survey.questions]
        self._specs = survey.questions

    def values(self, answers: Sequence[BatchAnswer], *, complete: bool) -> Values | None:
        checks = self._checks
        values: Values = {}
        empty = False  # an answer that says nothing (None), left out of what is returned
        try:
            for answer in answers:
                question_id = answer["question_id"]
                if question_id in values or question_id not in checks:
                    return None
                value = values[question_id] = checks[question_id](answer.get("value"))
                empty = empty or value is None
        except ValueError:  # AnswerInvalid
            return None
        if self._later is None:
            if not self._visible_by_key(values, complete=complete):
                return None
        else:
            for question_id, required, rule in self._later:
                value = values.get(question_id)
                visible = rule is None or rule(values)
                if value is not None and not visible:
                    return None
                if complete and required and value is None and visible:
                    return None
        if empty:
            return {key: value for key, value in values.items() if value is not None}
        return values

    def _visible_by_key(self, values: Values, *, complete: bool) -> bool:
        """The later checks through `evaluate`, by question key."""
        by_key = {key: values.get(question_id) for key, question_id in self._keys}
        for spec in self._specs:
            visible = spec.condition is None or evaluate(spec.condition, by_key)
            value = by_key[spec.key]
            if value is not None and not visible:
                return False
            if complete and spec.required and value is None and visible:
                return False
        return True


class BatchRows:
    """The rows of a batch's accepted responses, as columns for `insert_columns`."""

    def __init__(self, survey: CompiledSurvey, *, received_at: datetime) -> None:
        self.survey = survey
        self.received_at = received_at
        self._text_questions = frozenset(q.id for q in survey.questions if q.type == "text")
        self._rated = [
            (q.id, scale_max)
            for kind, scale_max in RATING_TYPES
            for q in survey.questions
            if q.type == kind
        ]
        self._kinds = {q.id: q.type for q in survey.questions if q.type in ROLLUP_KINDS}
        # One `progress` list per distinct set of answered questions: a JSON column binds each
        # distinct object once.
        self._progress: dict[tuple[int, ...], list[int]] = {}
        # One Decimal per score, for the same reason: the rating column's bind processing
        # told 500 distinct Decimals apart by value (hashing each), three times the cost
        # of telling apart the scale's few shared ones by identity.
        self._ratings: dict[int, Decimal] = {}

    def responses(
        self, checked: Sequence[Checked], customer_ids: Sequence[int | None]
    ) -> dict[str, list[Any]]:
        """The `survey_responses` columns, as `NewResponse` fills them."""
        survey = self.survey
        count = len(checked)
        return {
            "workspace_id": [survey.workspace_id] * count,
            "survey_id": [survey.id] * count,
            "customer_id": list(customer_ids),
            "channel_id": [c[1] for c in checked],
            "touchpoint_id": [survey.touchpoint_id] * count,
            "language": [c[2] for c in checked],
            "completed": [c[3] for c in checked],
            "completed_at": [c[4] if c[3] else None for c in checked],
            "idempotency_key": [c[5] for c in checked],
            "submitted_at": [c[4] for c in checked],
            "progress": [self._progress_of(c[0]) for c in checked],
            "invitation_id": [None] * count,
            "received_at": [self.received_at] * count,
        }

    def _progress_of(self, values: Values) -> list[int]:
        answered = tuple(sorted(values))
        found = self._progress.get(answered)
        if found is None:
            found = self._progress[answered] = list(answered)
        return found

    def answers(self, stored: Sequence[tuple[int, Checked]]) -> dict[str, list[Any]]:
        """The `survey_answers` columns of the stored responses (id, checked), as
        `NewAnswer.of` fills them, in the same order."""
        response_ids: list[int] = []
        question_ids: list[int] = []
        answers: list[Any] = []
        for response_id, checked in stored:
            values = checked[0]
            response_ids.extend([response_id] * len(values))
            question_ids.extend(values)
            answers.extend(values.values())
        return {
            "workspace_id": [self.survey.workspace_id] * len(answers),
            "response_id": response_ids,
            "question_id": question_ids,
            "number": [v if isinstance(v, int) else None for v in answers],
            "text": [v if isinstance(v, str) else None for v in answers],
            "choices": [v if isinstance(v, list | dict) else None for v in answers],
        }

    def feedback(
        self, stored: Sequence[tuple[int, Checked]], customer_ids: Sequence[int | None]
    ) -> dict[str, list[Any]]:
        """The feedback items of the stored responses' open-text answers, as `NewFeedback`
        fields (what `responses._feedback_of` makes of each)."""
        survey = self.survey
        columns: dict[str, list[Any]] = {
            name: []
            for name in (
                "source",
                "external_id",
                "text",
                "created_at",
                "customer_id",
                "channel_id",
                "touchpoint_id",
                "language",
                "rating",
                "rating_scale_max",
                "details",
            )
        }
        text_questions = self._text_questions
        for (response_id, checked), customer_id in zip(stored, customer_ids, strict=True):
            values = checked[0]
            texts = [
                (question_id, value)
                for question_id, value in values.items()
                if question_id in text_questions and isinstance(value, str) and value
            ]
            if not texts:
                continue
            rating, scale_max = self._rating(values)
            for question_id, text in texts:
                columns["source"].append("survey")
                columns["external_id"].append(f"response:{response_id}:question:{question_id}")
                columns["text"].append(text)
                columns["created_at"].append(checked[4])
                columns["customer_id"].append(customer_id)
                columns["channel_id"].append(checked[1])
                columns["touchpoint_id"].append(survey.touchpoint_id)
                columns["language"].append(checked[2])
                columns["rating"].append(rating)
                columns["rating_scale_max"].append(scale_max)
                columns["details"].append(
                    {"survey_id": survey.id, "question_id": question_id, "response_id": response_id}
                )
        return columns

    def _rating(self, values: Values) -> tuple[Decimal | None, int | None]:
        for question_id, scale_max in self._rated:
            number = values.get(question_id)
            if isinstance(number, int):
                rating = self._ratings.get(number)
                if rating is None:
                    rating = self._ratings[number] = Decimal(number)
                return rating, scale_max
        return None, None

    def scores(self, stored: Sequence[tuple[int, Checked]]) -> Scores:
        """The stored responses' rollup counts, as `rollups.contribution` takes them: the
        scored answers first counted by submission time, channel, language, question and
        score in one `Counter` (counted in C, where `+=` per answer went through Counter's
        Python methods after a place per response), then each distinct one put in its place."""
        survey = self.survey
        kinds = self._kinds
        answers = Counter(
            (submitted_at, channel_id, language, question_id, value)
            for _, (values, channel_id, language, _completed, submitted_at, _key) in stored
            for question_id, value in values.items()
            if question_id in kinds and isinstance(value, int)
        )
        scores: Scores = Counter()
        places = RollupPlaces()
        for (submitted_at, channel_id, language, question_id, value), count in answers.items():
            place = places.of(
                survey.workspace_id, submitted_at, channel_id, survey.touchpoint_id, language
            )
            scores[place, question_id, kinds[question_id], value] += count
        return scores
