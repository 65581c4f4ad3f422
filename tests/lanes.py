"""Helpers for the tests of `nabd.api.lane` and its routes."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy.orm import Session

from nabd.workspaces import tokens


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


def hold_token_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lane serves only tokens authenticated in the last `tokens.CACHE_SECONDS`: its
    tests hold the cache's clock still, so that a slow machine does not expire a token
    between two requests of a test."""
    cache = tokens.RecentTokens(tokens.CACHE_SECONDS, lambda: 1000.0)
    monkeypatch.setattr(tokens, "recent", cache)


def headers_of(reply: Response) -> dict[str, str]:
    """A reply's headers but its length (which follows the body)."""
    return {name: value for name, value in reply.headers.items() if name != "content-length"}


def in_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)


def assert_refused_in_arabic(refused: Response, *, status: int, field: str | None) -> None:
    """A refusal as the routes give it to a request in Arabic: `status`, `field` (if any)
    among its details' fields, the message in the request's language."""
    assert refused.status_code == status, refused.text
    error = refused.json()["error"]
    assert field is None or field in [detail["field"] for detail in error["details"]]
    assert in_arabic(error["message"])
