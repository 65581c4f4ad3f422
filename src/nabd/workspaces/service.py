"""Workspaces, memberships and users: every read and write, always scoped by workspace."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, AuditLogEntry, record_audit
from nabd.core.errors import ErrorDetail
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.security import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    password_needs_rehash,
    verify_password,
)
from nabd.core.types import utcnow
from nabd.workspaces import tokens
from nabd.workspaces.errors import (
    InvalidCredentials,
    LastAdminProtected,
    MembershipNotFound,
    UserAlreadyMember,
    WorkspaceNotFound,
    WorkspaceSlugTaken,
)
from nabd.workspaces.models import Membership, User, Workspace
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import UserCreate, WorkspaceCreate, WorkspacePatch


@dataclass(frozen=True)
class WorkspaceChoice:
    workspace_id: int
    workspace_name: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_workspace(session: Session, *, workspace_id: int) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise WorkspaceNotFound(N_("Workspace not found."))
    return workspace


def get_workspace_by_slug(session: Session, *, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise WorkspaceNotFound(N_("No workspace with slug %(slug)s."), params={"slug": slug})
    return workspace


def find_workspace_by_slug(session: Session, *, slug: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.slug == slug))


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.slug)))


def create_workspace(session: Session, *, data: WorkspaceCreate, actor: Actor) -> Workspace:
    if find_workspace_by_slug(session, slug=data.slug) is not None:
        raise WorkspaceSlugTaken(
            N_("The slug %(slug)s is already in use."),
            params={"slug": data.slug},
            details=[ErrorDetail(field="slug", reason=N_("Already in use."))],
        )
    workspace = Workspace(**data.model_dump())
    session.add(workspace)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="workspace.create",
        object_type="workspace",
        object_id=workspace.id,
        details={"slug": workspace.slug},
    )
    return workspace


def update_workspace(
    session: Session, *, workspace_id: int, changes: WorkspacePatch, actor: Actor
) -> Workspace:
    workspace = get_workspace(session, workspace_id=workspace_id)
    changed = {
        field: value
        for field, value in changes.model_dump(exclude_none=True).items()
        if getattr(workspace, field) != value
    }
    for field, value in changed.items():
        setattr(workspace, field, value)
    if changed:
        # API tokens' principals carry these fields; the process's cache must not outlive them.
        tokens.forget_recent_after_commit(session)
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action="workspace.update",
            object_type="workspace",
            object_id=workspace_id,
            details={"changed": changed},
        )
    return workspace


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def add_member(
    session: Session, *, workspace_id: int, data: UserCreate, actor: Actor
) -> Membership:
    """Create the user (or reuse the existing account for that e-mail) and add them.

    An existing account keeps its password: one person, one login, many workspaces.
    """
    workspace = get_workspace(session, workspace_id=workspace_id)
    user = find_user_by_email(session, email=data.email)
    if user is None:
        user = User(
            email=normalise_email(data.email),
            display_name=data.display_name,
            password_hash=hash_password(data.password),
            language=workspace.default_language,
        )
        session.add(user)
        session.flush()
    elif session.scalar(
        select(Membership.id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user.id
        )
    ):
        raise UserAlreadyMember(
            N_("%(email)s is already a member of this workspace."),
            params={"email": user.email},
            details=[ErrorDetail(field="email", reason=N_("Already a member."))],
        )
    membership = Membership(workspace_id=workspace_id, user=user, role=data.role)
    session.add(membership)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="member.add",
        object_type="membership",
        object_id=membership.id,
        details={"email": user.email, "role": data.role.value},
    )
    return membership


def get_membership(session: Session, *, workspace_id: int, membership_id: int) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.id == membership_id
        )
    )
    if membership is None:
        raise MembershipNotFound(N_("Member not found."))
    return membership


def find_active_membership(
    session: Session, *, workspace_id: int, user_id: int
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id,
            Membership.user_id == user_id,
            Membership.is_active.is_(True),
        )
    )


def list_active_memberships_of_user(session: Session, *, user_id: int) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user_id, Membership.is_active.is_(True))
            .order_by(Membership.id)
        )
    )


def list_members(session: Session, *, workspace_id: int, page: PageRequest) -> Page[Membership]:
    statement = select(Membership).where(Membership.workspace_id == workspace_id)
    return paginate(session, statement, id_column=Membership.id, page=page)


def _active_admin_count(session: Session, *, workspace_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Membership.id)).where(
                Membership.workspace_id == workspace_id,
                Membership.role == Role.ADMIN,
                Membership.is_active.is_(True),
            )
        )
        or 0
    )


def _guard_last_admin(session: Session, membership: Membership) -> None:
    if (
        membership.role == Role.ADMIN
        and membership.is_active
        and _active_admin_count(session, workspace_id=membership.workspace_id) <= 1
    ):
        raise LastAdminProtected(
            N_("A workspace needs at least one active admin."),
            details=[ErrorDetail(field="role", reason=N_("This is the last active admin."))],
        )


def change_member_role(
    session: Session, *, workspace_id: int, membership_id: int, role: Role, actor: Actor
) -> Membership:
    membership = get_membership(session, workspace_id=workspace_id, membership_id=membership_id)
    if membership.role == role:
        return membership
    if role != Role.ADMIN:
        _guard_last_admin(session, membership)
    previous = membership.role
    membership.role = role
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="member.change_role",
        object_type="membership",
        object_id=membership.id,
        details={"email": membership.user.email, "from": previous.value, "to": role.value},
    )
    return membership


def set_member_active(
    session: Session, *, workspace_id: int, membership_id: int, active: bool, actor: Actor
) -> Membership:
    membership = get_membership(session, workspace_id=workspace_id, membership_id=membership_id)
    if membership.is_active == active:
        return membership
    if not active:
        _guard_last_admin(session, membership)
    membership.is_active = active
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="member.reactivate" if active else "member.deactivate",
        object_type="membership",
        object_id=membership.id,
        details={"email": membership.user.email},
    )
    return membership


def authenticate_user(session: Session, *, email: str, password: str) -> User:
    """Check the password of an account that is active in at least one workspace."""
    user = find_user_by_email(session, email=email)
    if user is None:
        verify_password(DUMMY_PASSWORD_HASH, password)
        raise InvalidCredentials(N_("Wrong e-mail or password."))
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials(N_("Wrong e-mail or password."))
    if not list_active_memberships_of_user(session, user_id=user.id):
        raise InvalidCredentials(N_("Wrong e-mail or password."))
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def set_user_language(
    session: Session, *, user_id: int, language: str, actor: Actor, workspace_id: int
) -> None:
    user = session.get(User, user_id)
    if user is None or user.language == language:
        return
    user.language = language
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="user.set_language",
        object_type="user",
        object_id=user.id,
        details={"language": language},
    )


def list_audit_entries(
    session: Session, *, workspace_id: int, page: PageRequest
) -> Page[AuditLogEntry]:
    statement = select(AuditLogEntry).where(AuditLogEntry.workspace_id == workspace_id)
    return paginate(session, statement, id_column=AuditLogEntry.id, page=page)


def recent_audit_entries(
    session: Session, *, workspace_id: int, limit: int = 100
) -> list[AuditLogEntry]:
    return list(
        session.scalars(
            select(AuditLogEntry)
            .where(AuditLogEntry.workspace_id == workspace_id)
            .order_by(AuditLogEntry.id.desc())
            .limit(limit)
        )
    )


def list_all_members(session: Session, *, workspace_id: int) -> list[Membership]:
    """Every member, for the settings page; staff lists are small."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.workspace_id == workspace_id)
            .order_by(Membership.is_active.desc(), Membership.id)
        )
    )


def list_workspace_choices(session: Session, *, user_id: int) -> list[WorkspaceChoice]:
    """The workspaces a user may switch to, for the navigation bar."""
    rows = session.execute(
        select(Workspace.id, Workspace.name)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id, Membership.is_active.is_(True))
        .order_by(Workspace.name)
    )
    return [WorkspaceChoice(workspace_id=wid, workspace_name=name) for wid, name in rows]
