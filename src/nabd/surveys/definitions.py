"""A survey's questions compiled for the response path, cached per (survey id, updated_at).

Every stored answer is checked against its survey's questions, and its feedback items and
rollup counts depend on the question types. Loading the survey and its questions through the
ORM was about a third of a single API response's CPU time, for a definition that changes
rarely. So the path reads one small row per request (`ResponseContext`: the survey's
`updated_at` and touchpoint, the channel's id, an earlier response with the same idempotency
key) and takes the questions from this process's cache. Every change to a survey or its
questions goes through `service.update_survey`, which sets a new `updated_at`; the cache is
keyed by it (as stored), so the first response after a change, in any process, compiles the new
definition.
"""

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.bulk import driver_rows
from nabd.core.i18n import N_
from nabd.surveys.errors import SurveyNotFound
from nabd.surveys.models import Survey, SurveyQuestion
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
        # (survey id, its updated_at as the driver returns it) → compiled definition
        self._entries: OrderedDict[tuple[int, Any], CompiledSurvey] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, Any]) -> CompiledSurvey | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[int, Any], compiled: CompiledSurvey) -> None:
        with self._lock:
            self._entries[key] = compiled
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


# One round trip for everything a response request reads before it writes. Plain SQL through
# the driver (`driver_rows`): built through SQLAlchemy, this one lookup cost more CPU than all
# of SQLite's work for the request. `updated_at` comes back as stored, which is all the cache
# key needs (equal values in, equal values out).
_CONTEXT_SQL = (
    "SELECT s.updated_at, s.touchpoint_id, "
    "(SELECT c.id FROM channels c WHERE c.workspace_id = ? AND c.key = ?), "
    "(SELECT r.id FROM survey_responses r WHERE r.workspace_id = ? AND r.idempotency_key = ?) "
    "FROM surveys s WHERE s.workspace_id = ? AND s.id = ?"
)


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
    # A NULL channel or key matches nothing (`= NULL` is never true).
    parameters = (workspace_id, channel, workspace_id, idempotency_key, workspace_id, survey_id)
    rows = driver_rows(session, _CONTEXT_SQL, parameters)
    if not rows:
        raise SurveyNotFound(N_("Survey not found."))
    version, touchpoint_id, found_channel, found_existing = rows[0]
    compiled = cache.get((survey_id, version))
    if compiled is None:
        compiled = _load(session, workspace_id=workspace_id, survey_id=survey_id)
        cache.put((survey_id, version), compiled)
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
