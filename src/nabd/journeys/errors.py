"""Domain errors of journeys."""

from nabd.core.errors import NotFound, ValidationFailed


class JourneyNotFound(NotFound):
    pass


class InvalidJourney(ValidationFailed):
    pass
