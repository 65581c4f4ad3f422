"""The request's workspace phone region, for validators that read national phone numbers.

Pydantic validators know no workspace, so `nabd.customers.references.normalise_phone` reads the
region from a context variable. A route whose body holds phone numbers declares `PhoneRegion`
after its principal: FastAPI resolves dependencies in order and validates the body after all
of them, and an async dependency runs in the request's own context, so the region is set
before the body is read (and the sync handler's thread inherits it).
"""

from typing import Annotated

from fastapi import Depends, Request

from nabd.customers.references import set_phone_region


async def workspace_phone_region(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("declare PhoneRegion after the route's principal")
    region: str = principal.workspace.phone_region
    set_phone_region(region)
    return region


PhoneRegion = Annotated[str, Depends(workspace_phone_region)]
