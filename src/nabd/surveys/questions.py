"""Question types, their scales and options, and checking one answer: pure, no database.

An answer's JSON form: a whole number for nps/csat/ces/rating, an option key for
single_choice, a list of option keys for multiple_choice, a string for text and an object
`{row_key: number}` for matrix.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nabd.core.i18n import N_

QUESTION_TYPES = (
    "nps",
    "csat",
    "ces",
    "rating",
    "single_choice",
    "multiple_choice",
    "text",
    "matrix",
)
FIXED_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
SCORE_TYPES = frozenset({"nps", "csat", "ces", "rating"})
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
DEFAULT_SCALE = (1, 5)
MAX_SCALE_SPAN = 11
DEFAULT_TEXT_LIMIT = 2000
MAX_TEXT_LIMIT = 10_000

# The standard wordings offered by the builder; %(company)s is the workspace's name.
STANDARD_WORDING = {
    "nps": (
        N_("How likely are you to recommend %(company)s to a friend or colleague?"),
        "ما مدى احتمال أن توصي بـ %(company)s لصديق أو زميل؟",
    ),
    "csat": (
        N_("How satisfied are you with your experience with %(company)s?"),
        "ما مدى رضاك عن تجربتك مع %(company)s؟",
    ),
    "ces": (
        N_("%(company)s made it easy for me to handle my issue."),
        "جعلت %(company)s من السهل عليّ إنجاز ما أريد.",
    ),
}


class AnswerInvalid(ValueError):
    """An answer that does not fit its question; `reason` is a catalogue message id."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason % params if params else reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class QuestionSpec:
    """What answer checking and branching need to know about a question."""

    id: int
    key: str
    type: str
    required: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)
    condition: Mapping[str, Any] | None = None

    @property
    def scale(self) -> tuple[int, int]:
        if self.type in FIXED_SCALES:
            return FIXED_SCALES[self.type]
        low = self.settings.get("scale_min", DEFAULT_SCALE[0])
        high = self.settings.get("scale_max", DEFAULT_SCALE[1])
        return int(low), int(high)

    @property
    def option_keys(self) -> list[str]:
        return [option["key"] for option in self.settings.get("options", [])]

    @property
    def row_keys(self) -> list[str]:
        return [row["key"] for row in self.settings.get("rows", [])]

    @property
    def text_limit(self) -> int:
        return int(self.settings.get("max_length", DEFAULT_TEXT_LIMIT))


def _whole_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerInvalid(N_("Must be a whole number."))
    return value


def _in_scale(value: Any, scale: tuple[int, int]) -> int:
    number = _whole_number(value)
    if not scale[0] <= number <= scale[1]:
        raise AnswerInvalid(N_("Must be between %(min)s and %(max)s."), min=scale[0], max=scale[1])
    return number


def normalise_answer(spec: QuestionSpec, value: Any) -> Any:
    """The answer in canonical JSON form, None when it says nothing; raises AnswerInvalid."""
    if value is None:
        return None
    if spec.type in SCORE_TYPES:
        return _in_scale(value, spec.scale)
    if spec.type == "text":
        if not isinstance(value, str):
            raise AnswerInvalid(N_("Must be text."))
        text = value.strip()
        if len(text) > spec.text_limit:
            raise AnswerInvalid(
                N_("Must be at most %(max_length)s characters."), max_length=spec.text_limit
            )
        return text or None
    if spec.type == "single_choice":
        if not isinstance(value, str):
            raise AnswerInvalid(N_("Must be one of the question's options."))
        if value not in spec.option_keys:
            raise AnswerInvalid(N_("Must be one of the question's options."))
        return value
    if spec.type == "multiple_choice":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise AnswerInvalid(N_("Must be a list of the question's options."))
        unknown = [item for item in value if item not in spec.option_keys]
        if unknown:
            raise AnswerInvalid(N_("Must be one of the question's options."))
        chosen = set(value)
        return [key for key in spec.option_keys if key in chosen] or None
    if spec.type == "matrix":
        return _matrix_answer(spec, value)
    raise AnswerInvalid(N_("Not a valid value."))


def _matrix_answer(spec: QuestionSpec, value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        raise AnswerInvalid(N_("Must be an object with one number per row."))
    rows = spec.row_keys
    answer: dict[str, int] = {}
    for row, score in value.items():
        if row not in rows:
            raise AnswerInvalid(N_("Unknown row: %(row)s."), row=row)
        if score is not None:
            answer[row] = _in_scale(score, spec.scale)
    if not answer:
        return None
    if spec.required and len(answer) < len(rows):
        raise AnswerInvalid(N_("Answer every row."))
    return {row: answer[row] for row in rows if row in answer}


def from_text(spec: QuestionSpec, raw: str) -> Any:
    """A form field or spreadsheet cell in the answer's JSON form (then normalise_answer)."""
    raw = raw.strip()
    if not raw:
        return None
    if spec.type in SCORE_TYPES:
        try:
            return int(float(raw)) if float(raw).is_integer() else raw
        except ValueError:
            return raw
    if spec.type == "multiple_choice":
        return [part.strip() for part in raw.split(";") if part.strip()]
    if spec.type == "matrix":
        pairs = (part.split("=", 1) for part in raw.split(";") if "=" in part)
        return {
            row.strip(): from_text(QuestionSpec(0, "", "rating"), score) for row, score in pairs
        }
    return raw


def to_text(value: Any) -> str:
    """An answer's JSON form as one spreadsheet cell; from_text reads it back."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, dict):
        return "; ".join(f"{row}={score}" for row, score in value.items())
    return str(value)
