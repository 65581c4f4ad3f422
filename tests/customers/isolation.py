"""A real customer of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from tests.customers.factories import make_customer


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    customer = make_customer(
        session, workspace, "Other Workspace Customer", email=f"c@{workspace.slug}.example"
    )
    return {"customer_id": customer.id}
