"""Per-user display preferences: Arabic-Indic digits and the Hijri (Umm al-Qura) calendar.

Both only change how Arabic pages look; English pages, exports, e-mails and the API keep
Latin digits and ISO Gregorian dates, so nothing a program reads depends on a preference.
"""

from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.workspaces.models import User

Digits = Literal["latin", "arabic"]
Calendar = Literal["gregorian", "hijri"]
DIGITS: tuple[str, ...] = get_args(Digits)
CALENDARS: tuple[str, ...] = get_args(Calendar)


@dataclass(frozen=True)
class DisplayPreferences:
    """What the formatting filters apply on one page (already reduced by its language)."""

    digits: str = "latin"
    calendar: str = "gregorian"


LATIN_GREGORIAN = DisplayPreferences()


def effective_preferences(
    digits: str | None, calendar: str | None, locale: str
) -> DisplayPreferences:
    """The saved choice on Arabic pages; Latin digits and Gregorian dates everywhere else."""
    if locale != "ar":
        return LATIN_GREGORIAN
    return DisplayPreferences(
        digits=digits if digits in DIGITS else "latin",
        calendar=calendar if calendar in CALENDARS else "gregorian",
    )


def set_display_preferences(
    session: Session,
    *,
    user_id: int,
    digits: Digits,
    calendar: Calendar,
    actor: Actor,
    workspace_id: int,
) -> bool:
    """Save the user's choice; audited in the workspace they made it from. False if unchanged."""
    user = session.get(User, user_id)
    if user is None or (user.digits, user.calendar) == (digits, calendar):
        return False
    user.digits, user.calendar = digits, calendar
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="user.set_display",
        object_type="user",
        object_id=user.id,
        details={"digits": digits, "calendar": calendar},
    )
    return True
