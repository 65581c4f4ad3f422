"""Merging two customers into one, explicitly and audited, and undoing a merge.

Everything that points at the source customer moves to the target: identities, events,
transactions, feedback, survey responses and any table added later with a `customer_id`
foreign key or marked `CUSTOMER_REFERENCE` (events: no foreign key; found from the schema, so
a new domain is covered without touching this file).
The source row is deleted; its columns and the moved row ids are kept in `customer_merges`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Table, UniqueConstraint, delete, insert, select, update
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import Conflict, NotFound
from nabd.core.i18n import N_
from nabd.core.models import Base
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.types import utcnow
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.models import ContactPreference, Customer, CustomerSeen, utc_day
from nabd.customers.service import get_customer, refresh_search_text, refresh_value_summary
from nabd.events.models import CUSTOMER_REFERENCE
from nabd.events.writers import exclude_event_writers

# Rebuilt (search terms), reconciled by hand (contact preferences, the target's seen dates
# widened by the source's) or the record itself.
NOT_MOVED = frozenset(
    {"customer_search_terms", "customer_contact_preferences", "customer_seen", "customer_merges"}
)
SNAPSHOT_COLUMNS = (
    "display_name",
    "language",
    "attributes",
    "sort_name",
    "created_at",
    "first_seen_at",
    "last_seen_at",
)


class MergeNotFound(NotFound):
    pass


class InvalidMerge(Conflict):
    pass


def movable_tables() -> list[Table]:
    """Tables whose rows belong to a customer and can be re-pointed one by one."""
    import nabd.model_registry  # noqa: F401 - every domain's tables must be known here

    tables = []
    for table in Base.metadata.sorted_tables:
        column = table.c.get("customer_id")
        if table.name in NOT_MOVED or column is None or "id" not in table.c:
            continue
        if column.info != CUSTOMER_REFERENCE and not any(
            fk.column.table.name == "customers" for fk in column.foreign_keys
        ):
            continue
        # Moving a row could collide with the target's own row under such a constraint.
        if any(
            isinstance(constraint, UniqueConstraint) and "customer_id" in constraint.columns
            for constraint in table.constraints
        ):
            continue
        tables.append(table)
    return tables


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _snapshot(customer: Customer) -> dict[str, Any]:
    values = {column: getattr(customer, column) for column in SNAPSHOT_COLUMNS}
    for column in ("created_at", "first_seen_at", "last_seen_at"):
        values[column] = _iso(values[column])
    return values


def _widen_seen(target: Customer, source: Customer) -> None:
    """The target was seen whenever either profile was (the source's events are its now)."""
    firsts = [at for at in (target.first_seen_at, source.first_seen_at) if at is not None]
    lasts = [at for at in (target.last_seen_at, source.last_seen_at) if at is not None]
    target.first_seen_at = min(firsts, default=None)
    target.last_seen_at = max(lasts, default=None)


def _preferences(session: Session, *, workspace_id: int, customer_id: int) -> dict[str, bool]:
    return dict(
        session.execute(
            select(ContactPreference.channel, ContactPreference.opted_out).where(
                ContactPreference.workspace_id == workspace_id,
                ContactPreference.customer_id == customer_id,
            )
        ).all()
    )


def merge_customers(
    session: Session,
    *,
    workspace_id: int,
    target_id: int,
    source_id: int,
    actor: Actor,
    reason: str = "manual",
) -> CustomerMerge:
    """Fold `source_id` into `target_id`; an opt-out on either profile survives the merge."""
    if target_id == source_id:
        raise InvalidMerge(N_("A customer cannot be merged into itself."))
    # No batch in flight stores an event of the source after its events are moved.
    exclude_event_writers(session, workspace_id=workspace_id)
    target = get_customer(session, workspace_id=workspace_id, customer_id=target_id)
    source = get_customer(session, workspace_id=workspace_id, customer_id=source_id)
    moved: dict[str, list[int]] = {}
    for table in movable_tables():
        owned = (table.c.workspace_id == workspace_id, table.c.customer_id == source_id)
        ids = list(session.scalars(select(table.c.id).where(*owned).order_by(table.c.id)))
        if ids:
            session.execute(update(table).where(*owned).values(customer_id=target_id))
            moved[table.name] = ids
    source_preferences = _preferences(session, workspace_id=workspace_id, customer_id=source_id)
    target_preferences = _preferences(session, workspace_id=workspace_id, customer_id=target_id)
    added_opt_outs = sorted(
        channel
        for channel, opted_out in source_preferences.items()
        if opted_out and channel not in target_preferences
    )
    for channel in added_opt_outs:
        session.add(
            ContactPreference(
                workspace_id=workspace_id, customer_id=target_id, channel=channel, opted_out=True
            )
        )
    record = CustomerMerge(
        workspace_id=workspace_id,
        target_customer_id=target_id,
        source_customer_id=source_id,
        reason=reason,
        actor_label=actor.label,
        source_snapshot={
            "customer": _snapshot(source),
            "contact_preferences": source_preferences,
            "added_opt_outs": added_opt_outs,
        },
        moved=moved,
    )
    session.add(record)
    _widen_seen(target, source)
    session.flush()
    session.expunge(source)
    session.execute(
        delete(Customer).where(Customer.workspace_id == workspace_id, Customer.id == source_id)
    )
    session.expire(target)
    _refresh(session, workspace_id=workspace_id, customer_ids=[target_id])
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="customer.merge",
        object_type="customer",
        object_id=target_id,
        details={
            "merge_id": record.id,
            "source_customer_id": source_id,
            "reason": reason,
            "moved": {name: len(ids) for name, ids in moved.items()},
        },
    )
    return record


def _refresh(session: Session, *, workspace_id: int, customer_ids: list[int]) -> None:
    session.flush()
    refresh_search_text(session, workspace_id=workspace_id, customer_ids=customer_ids)
    refresh_value_summary(session, workspace_id=workspace_id, customer_ids=customer_ids)


def get_merge(session: Session, *, workspace_id: int, merge_id: int) -> CustomerMerge:
    record = session.scalar(
        select(CustomerMerge).where(
            CustomerMerge.workspace_id == workspace_id, CustomerMerge.id == merge_id
        )
    )
    if record is None:
        raise MergeNotFound(N_("Merge not found."))
    return record


def list_merges(session: Session, *, workspace_id: int, page: PageRequest) -> Page[CustomerMerge]:
    statement = select(CustomerMerge).where(CustomerMerge.workspace_id == workspace_id)
    return paginate(session, statement, id_column=CustomerMerge.id, page=page)


def merges_into(
    session: Session, *, workspace_id: int, customer_id: int, limit: int
) -> list[CustomerMerge]:
    """The latest merges that folded another customer into this one, undone ones too."""
    return list(
        session.scalars(
            select(CustomerMerge)
            .where(
                CustomerMerge.workspace_id == workspace_id,
                CustomerMerge.target_customer_id == customer_id,
            )
            .order_by(CustomerMerge.id.desc())
            .limit(limit)
        )
    )


def standing_merge_of(
    session: Session, *, workspace_id: int, source_id: int
) -> CustomerMerge | None:
    """The merge, not undone, that folded `source_id` away: where its profile went."""
    return session.scalar(
        select(CustomerMerge)
        .where(
            CustomerMerge.workspace_id == workspace_id,
            CustomerMerge.source_customer_id == source_id,
            CustomerMerge.undone_at.is_(None),
        )
        .order_by(CustomerMerge.id.desc())
        .limit(1)
    )


def _restore_source(session: Session, *, workspace_id: int, record: CustomerMerge) -> None:
    values = dict(record.source_snapshot["customer"])
    for column in ("created_at", "first_seen_at", "last_seen_at"):
        if values[column] is not None:
            values[column] = datetime.fromisoformat(values[column])
    seen = {column: values.pop(column) for column in ("first_seen_at", "last_seen_at")}
    seen["last_seen_on"] = utc_day(seen["last_seen_at"])
    source_id = record.source_customer_id
    session.execute(insert(Customer).values(id=source_id, workspace_id=workspace_id, **values))
    session.execute(
        insert(CustomerSeen).values(customer_id=source_id, workspace_id=workspace_id, **seen)
    )


def unmerge(session: Session, *, workspace_id: int, merge_id: int, actor: Actor) -> CustomerMerge:
    """Recreate the source customer under its old id and move its rows back.

    Rows that left the target since the merge (erased, merged again) stay where they are,
    and the target keeps the seen dates the merge widened (its own alone are not recorded).
    """
    record = get_merge(session, workspace_id=workspace_id, merge_id=merge_id)
    if record.undone_at is not None:
        raise InvalidMerge(N_("This merge was already undone."))
    target_id, source_id = record.target_customer_id, record.source_customer_id
    _restore_source(session, workspace_id=workspace_id, record=record)
    tables = {table.name: table for table in movable_tables()}
    for name, ids in record.moved.items():
        table = tables.get(name)
        if table is None:
            continue
        session.execute(
            update(table)
            .where(
                table.c.workspace_id == workspace_id,
                table.c.customer_id == target_id,
                table.c.id.in_(ids),
            )
            .values(customer_id=source_id)
        )
    snapshot = record.source_snapshot
    if snapshot["added_opt_outs"]:
        session.execute(
            delete(ContactPreference).where(
                ContactPreference.workspace_id == workspace_id,
                ContactPreference.customer_id == target_id,
                ContactPreference.channel.in_(snapshot["added_opt_outs"]),
            )
        )
    for channel, opted_out in snapshot["contact_preferences"].items():
        session.add(
            ContactPreference(
                workspace_id=workspace_id,
                customer_id=source_id,
                channel=channel,
                opted_out=opted_out,
            )
        )
    record.undone_at = utcnow()
    # Core statements moved rows under loaded objects; flush ours, then reload theirs.
    session.flush()
    session.expire_all()
    _refresh(session, workspace_id=workspace_id, customer_ids=[target_id, source_id])
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="customer.unmerge",
        object_type="customer",
        object_id=source_id,
        details={"merge_id": record.id, "target_customer_id": target_id},
    )
    return record
