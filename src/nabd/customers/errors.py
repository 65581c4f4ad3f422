"""Domain errors of customer profiles."""

from nabd.core.errors import NotFound


class CustomerNotFound(NotFound):
    pass
