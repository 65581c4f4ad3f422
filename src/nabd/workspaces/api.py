"""JSON API for the workspace, its members and its audit log."""

from typing import Annotated

from fastapi import APIRouter, Depends

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse, page_request
from nabd.core.pagination import PageRequest
from nabd.workspaces import service
from nabd.workspaces.models import Membership
from nabd.workspaces.roles import Permission
from nabd.workspaces.schemas import (
    AuditEntryOut,
    MemberOut,
    PrincipalOut,
    WorkspaceOut,
    WorkspacePatch,
)

router = APIRouter(prefix="/api/v1", tags=["workspace"])

ReadWorkspace = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]
Pagination = Annotated[PageRequest, Depends(page_request)]


def _member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.id,
        user_id=membership.user_id,
        email=membership.user.email,
        display_name=membership.user.display_name,
        role=membership.role,
        is_active=membership.is_active,
        created_at=membership.created_at,
    )


@router.get("/me")
def who_am_i(session: DbSession, principal: ReadWorkspace) -> PrincipalOut:
    """The workspace and role the credentials act as."""
    workspace = service.get_workspace(session, workspace_id=principal.workspace_id)
    return PrincipalOut(
        workspace=WorkspaceOut.model_validate(workspace),
        role=principal.role,
        kind=principal.actor.kind,  # type: ignore[arg-type]
        label=principal.actor.label,
    )


@router.get("/workspace")
def get_workspace(session: DbSession, principal: ReadWorkspace) -> WorkspaceOut:
    workspace = service.get_workspace(session, workspace_id=principal.workspace_id)
    return WorkspaceOut.model_validate(workspace)


@router.patch("/workspace")
def update_workspace(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))],
    changes: WorkspacePatch,
) -> WorkspaceOut:
    workspace = service.update_workspace(
        session, workspace_id=principal.workspace_id, changes=changes, actor=principal.actor
    )
    return WorkspaceOut.model_validate(workspace)


@router.get("/users")
def list_users(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.USERS_MANAGE))],
    page: Pagination,
) -> ListResponse[MemberOut]:
    result = service.list_members(session, workspace_id=principal.workspace_id, page=page)
    return ListResponse(
        items=[_member_out(m) for m in result.items], next_cursor=result.next_cursor
    )


@router.get("/audit-log")
def list_audit_log(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    page: Pagination,
) -> ListResponse[AuditEntryOut]:
    result = service.list_audit_entries(session, workspace_id=principal.workspace_id, page=page)
    return ListResponse(
        items=[AuditEntryOut.model_validate(entry) for entry in result.items],
        next_cursor=result.next_cursor,
    )
