"""Domain errors of goals."""

from nabd.core.errors import NotFound, ValidationFailed


class GoalNotFound(NotFound):
    pass


class InvalidGoal(ValidationFailed):
    pass
