"""Helpers for the tests of `nabd.api.lane` and its routes."""

from collections.abc import Callable

from fastapi import FastAPI
from httpx import Response
from sqlalchemy.orm import Session


class RouteCalls:
    """Counts the requests FastAPI's routes handled: each one opens the request's database
    session (`nabd.api.database`); the lane opens none (its units run in the group commit's
    own session, whose factory was taken when the app was built)."""

    def __init__(self, app: FastAPI) -> None:
        self.count = 0
        factory: Callable[[], Session] = app.state.session_factory

        def counted() -> Session:
            self.count += 1
            return factory()

        app.state.session_factory = counted


def headers_of(reply: Response) -> dict[str, str]:
    """A reply's headers but its length (which follows the body)."""
    return {name: value for name, value in reply.headers.items() if name != "content-length"}


def in_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)
