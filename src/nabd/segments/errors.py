"""Domain errors of segments."""

from nabd.core.errors import NotFound, ValidationFailed


class SegmentNotFound(NotFound):
    pass


class InvalidSegment(ValidationFailed):
    pass
