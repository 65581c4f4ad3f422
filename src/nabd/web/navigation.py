"""The main navigation; each domain registers the sections it has actually built."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from nabd.workspaces.roles import Permission

# The order of the sections in the navigation, for every domain that will have one.
SECTION_ORDER = (
    "overview",
    "customers",
    "journeys",
    "surveys",
    "feedback",
    "cases",
    "segments",
    "goals",
    "settings",
)


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str  # catalogue message id
    path: str
    permission: Permission


class CanCheck(Protocol):
    def can(self, permission: Permission) -> bool: ...


def ordered(items: Iterable[NavItem]) -> tuple[NavItem, ...]:
    unknown = [item.section for item in items if item.section not in SECTION_ORDER]
    if unknown:
        raise ValueError(f"navigation sections not in SECTION_ORDER: {unknown}")
    return tuple(sorted(items, key=lambda item: SECTION_ORDER.index(item.section)))


def visible_to(principal: CanCheck, items: Sequence[NavItem]) -> list[NavItem]:
    return [item for item in items if principal.can(item.permission)]
