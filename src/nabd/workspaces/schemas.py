"""Validated shapes for the workspace, user and token forms and API bodies."""

import re
from datetime import datetime
from typing import Literal
from zoneinfo import available_timezones

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from nabd.core.i18n import N_
from nabd.core.security import MIN_PASSWORD_LENGTH
from nabd.workspaces.roles import Role

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
Language = Literal["ar", "en"]


def _valid_time_zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(N_("Unknown time zone; use an IANA name such as Asia/Riyadh."))
    return value


def _valid_phone_region(value: str) -> str:
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(N_("Unknown phone region; use an ISO 3166 code such as SA or EG."))
    return region


class WorkspaceCreate(BaseModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    default_language: Language = "ar"
    time_zone: str = "Asia/Riyadh"
    phone_region: str = "SA"

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, value: str) -> str:
        if not SLUG_PATTERN.match(value):
            raise ValueError(N_("Use lowercase letters, digits and hyphens only."))
        return value

    _check_time_zone = field_validator("time_zone")(_valid_time_zone)
    _check_phone_region = field_validator("phone_region")(_valid_phone_region)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    default_language: Language
    time_zone: str
    phone_region: str = "SA"

    _check_time_zone = field_validator("time_zone")(_valid_time_zone)
    _check_phone_region = field_validator("phone_region")(_valid_phone_region)


class WorkspacePatch(BaseModel):
    """A partial update through the API: absent fields are left unchanged."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    default_language: Language | None = None
    time_zone: str | None = None
    phone_region: str | None = Field(
        default=None, description="ISO 3166 region for phone numbers without a country code."
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _valid_time_zone(value)

    @field_validator("phone_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else _valid_phone_region(value)


class UserCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


class TokenCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    role: Role


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    default_language: str
    time_zone: str
    phone_region: str
    created_at: datetime


class MemberOut(BaseModel):
    id: int
    user_id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: datetime


class PrincipalOut(BaseModel):
    workspace: WorkspaceOut
    role: Role
    kind: Literal["user", "api_token"]
    label: str


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    actor_kind: str
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, object]
    created_at: datetime
