"""Domain errors of surveys and responses."""

from nabd.core.errors import Conflict, NotFound, ValidationFailed


class SurveyNotFound(NotFound):
    pass


class QuestionNotFound(NotFound):
    pass


class LinkNotFound(NotFound):
    pass


class InvalidDefinition(ValidationFailed):
    pass


class InvalidResponse(ValidationFailed):
    pass


class QuestionHasAnswers(Conflict):
    pass


class SurveyNotOpen(Conflict):
    pass


class TriggerNotFound(NotFound):
    pass
