"""The request-owned database session."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from nabd.core.db import transaction


def _request_session(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.session_factory) as session:
        yield session


# scope="function": the commit runs when the handler returns and before the response is
# sent, so anything acknowledged with a 2xx is already durable.
DbSession = Annotated[Session, Depends(_request_session, scope="function")]
