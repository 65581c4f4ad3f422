"""Tenants and the people and tokens that act in them."""

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId
from nabd.workspaces.roles import Role

RoleColumn = Enum(
    Role,
    name="role",
    native_enum=False,
    length=16,
    validate_strings=True,
    values_callable=lambda roles: [role.value for role in roles],
)


class Workspace(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "workspaces"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(2), default="ar")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Riyadh")
    # ISO 3166 region in which phone numbers without a country code are read on ingestion.
    phone_region: Mapped[str] = mapped_column(String(2), default="SA", server_default="SA")


class User(IdMixin, CreatedAtMixin, Base):
    """A person who signs in; belongs to workspaces through memberships."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(2))
    # Display preferences (see nabd.workspaces.display); they only apply on Arabic pages.
    digits: Mapped[str] = mapped_column(String(10), default="latin", server_default="latin")
    calendar: Mapped[str] = mapped_column(
        String(10), default="gregorian", server_default="gregorian"
    )
    last_login_at: Mapped[datetime | None]


class Membership(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A user's role in one workspace; deactivating it revokes access at the next request."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)
    workspace_leads_an_index = True

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(RoleColumn)
    is_active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class ApiToken(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A bearer token for one workspace and role; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(RoleColumn)
    display_prefix: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
