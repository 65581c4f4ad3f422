"""A survey's questions compiled for the response path, cached per (survey id, updated_at).

Every stored answer is checked against its survey's questions, and its feedback items and
rollup counts depend on the question types. Loading the survey and its questions through the
ORM was about a third of a single API response's CPU time, for a definition that changes
rarely. So the path reads one small row per request (`ResponseContext`: the survey's
`updated_at` and touchpoint, the channel's id, an earlier response with the same idempotency
key) and takes the questions from this process's cache. Every change to a survey or its
questions goes through `service.update_survey`, which sets a new `updated_at`; the cache is
keyed by it, so the first response after a change, in any process, compiles the new
definition.
"""

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import null, select
from sqlalchemy.orm import Session

from nabd.core.i18n import N_
from nabd.journeys.models import Channel
from nabd.surveys.errors import SurveyNotFound
from nabd.surveys.models import Survey, SurveyQuestion, SurveyResponse
from nabd.surveys.questions import QuestionSpec

# Surveys kept per process; a definition is a few kilobytes at most.
CACHE_SIZE = 512


@dataclass(frozen=True)
class CompiledSurvey:
    """What storing a response needs of its survey, as plain values."""

    id: int
    workspace_id: int
    touchpoint_id: int | None
    updated_at: datetime
    questions: tuple[QuestionSpec, ...]
    by_id: Mapping[int, QuestionSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {spec.id: spec for spec in self.questions})


def compile_survey(survey: Survey) -> CompiledSurvey:
    """The compiled form of a survey already loaded with its questions."""
    return CompiledSurvey(
        id=survey.id,
        workspace_id=survey.workspace_id,
        touchpoint_id=survey.touchpoint_id,
        updated_at=survey.updated_at,
        questions=tuple(_spec(question) for question in survey.questions),
    )


def _spec(question: SurveyQuestion) -> QuestionSpec:
    return QuestionSpec(
        id=question.id,
        key=question.key,
        type=question.type,
        required=question.required,
        settings=question.settings,
        condition=question.condition,
    )


class _Cache:
    """A small LRU of compiled surveys, shared by the worker threads of one process."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, datetime], CompiledSurvey] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, datetime]) -> CompiledSurvey | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, compiled: CompiledSurvey) -> None:
        with self._lock:
            self._entries[(compiled.id, compiled.updated_at)] = compiled
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


cache = _Cache(CACHE_SIZE)


@dataclass(frozen=True)
class ResponseContext:
    """Everything a response request reads before it writes, from one query."""

    survey: CompiledSurvey
    # The id of the channel the request names; None when it names none or an unknown one.
    channel_id: int | None
    # The response already stored under the request's idempotency key, if any.
    existing_id: int | None


def response_context(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int,
    channel: str | None = None,
    idempotency_key: str | None = None,
) -> ResponseContext:
    """The survey (compiled, from the cache when unchanged), the channel and an earlier
    response with the same key, in one round trip; SurveyNotFound outside the workspace."""
    channel_id = (
        select(Channel.id)
        .where(Channel.workspace_id == workspace_id, Channel.key == channel)
        .scalar_subquery()
    )
    existing_id = (
        select(SurveyResponse.id)
        .where(
            SurveyResponse.workspace_id == workspace_id,
            SurveyResponse.idempotency_key == idempotency_key,
        )
        .scalar_subquery()
    )
    row = (
        session.connection()
        .execute(
            select(
                Survey.updated_at,
                Survey.touchpoint_id,
                channel_id if channel is not None else null(),
                existing_id if idempotency_key is not None else null(),
            ).where(Survey.workspace_id == workspace_id, Survey.id == survey_id)
        )
        .first()
    )
    if row is None:
        raise SurveyNotFound(N_("Survey not found."))
    updated_at, touchpoint_id, found_channel, found_existing = row
    compiled = cache.get((survey_id, updated_at))
    if compiled is None:
        compiled = _load(session, workspace_id=workspace_id, survey_id=survey_id)
        cache.put(compiled)
    if compiled.touchpoint_id != touchpoint_id:
        # A deleted touchpoint is set to NULL by the database without a new updated_at.
        compiled = replace(compiled, touchpoint_id=touchpoint_id)
    return ResponseContext(survey=compiled, channel_id=found_channel, existing_id=found_existing)


def _load(session: Session, *, workspace_id: int, survey_id: int) -> CompiledSurvey:
    survey = session.scalar(
        select(Survey).where(Survey.workspace_id == workspace_id, Survey.id == survey_id)
    )
    if survey is None:
        raise SurveyNotFound(N_("Survey not found."))
    return compile_survey(survey)
