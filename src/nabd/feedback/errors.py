"""Domain errors of feedback items."""

from nabd.core.errors import NotFound


class FeedbackItemNotFound(NotFound):
    pass
