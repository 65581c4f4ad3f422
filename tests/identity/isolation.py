"""A real merge record of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers.merging import merge_customers
from nabd.workspaces.models import Workspace
from tests.customers.factories import make_customer


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    target = make_customer(session, workspace, "Merge Target", email=f"t@{workspace.slug}.example")
    source = make_customer(session, workspace, "Merge Source", email=f"s@{workspace.slug}.example")
    record = merge_customers(
        session,
        workspace_id=workspace.id,
        target_id=target.id,
        source_id=source.id,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return {"merge_id": record.id}
