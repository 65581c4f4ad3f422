"""A customer's identities and search terms have no key to their customer (migration 0026):
a deleted customer still deletes them, and none is ever left pointing at a customer that a
concurrent transaction deleted. On PostgreSQL the identities are in the `C` collation."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.core.migrations import alembic_config, downgrade_database, upgrade_database
from nabd.customers import privacy, service
from nabd.customers.identity import resolve_customers
from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm
from tests.customers.factories import erase_in_thread, make_customer
from tests.databases import migrated_to
from tests.factories import make_workspace
from tests.threads import in_thread

REVISION = "0026"
TABLES = ("customer_identities", "customer_search_terms")
AT = "2026-05-01 08:00:00+00:00"
EMAIL = "first@example.com"
PHONE = "+966501234567"


def _previous(database_url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(database_url)).get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


@pytest.fixture
def database_before(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to just before 0026."""
    with migrated_to(database_url, _previous(database_url), tmp_path) as url:
        yield url


def _seed(url: str) -> None:
    """Two customers, each with an identity and a search term."""
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (id, slug, name, default_language, time_zone, created_at) "
                "VALUES (7, 'w', 'w', 'ar', 'Asia/Riyadh', :at)"
            ),
            {"at": AT},
        )
        for customer_id in (1, 2):
            for sql in (
                "INSERT INTO customers (id, workspace_id, attributes, created_at, sort_name, "
                "total_spend, order_count) VALUES (:id, 7, '{}', :at, '', 0, 0)",
                "INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, "
                "last_seen_at) VALUES (:id, 7, :at, :at)",
                "INSERT INTO customer_identities (workspace_id, customer_id, kind, value, "
                "created_at) VALUES (7, :id, 'email', :value, :at)",
                "INSERT INTO customer_search_terms (workspace_id, customer_id, term) "
                "VALUES (7, :id, :value)",
            ):
                connection.execute(
                    text(sql), {"id": customer_id, "at": AT, "value": f"{customer_id}@example.com"}
                )
    engine.dispose()


def _state(url: str) -> dict[str, tuple[list[int], set[str]]]:
    """Each table's customers, and the tables its foreign keys name."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {
                table: (
                    list(
                        connection.scalars(
                            text(f"SELECT customer_id FROM {table} ORDER BY 1")  # noqa: S608
                        )
                    ),
                    {key["referred_table"] for key in inspector.get_foreign_keys(table)},
                )
                for table in TABLES
            }
    finally:
        engine.dispose()


def _collations(url: str) -> dict[str, str | None]:
    """PostgreSQL: the collation of each identity column that is not the database's."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT column_name, collation_name FROM information_schema.columns "
                    "WHERE table_name = 'customer_identities' AND column_name IN ('kind', 'value')"
                )
            )
            return {column: collation for column, collation in rows}
    finally:
        engine.dispose()


def _delete_customer(url: str, customer_id: int) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM customers WHERE id = :id"), {"id": customer_id})
    engine.dispose()


def test_0026_drops_the_customer_keys_keeps_their_cascade_and_its_downgrade_adds_them(
    database_before: str,
) -> None:
    url = database_before
    previous = _previous(url)
    _seed(url)
    assert _state(url) == {table: ([1, 2], {"customers"}) for table in TABLES}
    postgres = url.startswith("postgresql")
    default = {"kind": None, "value": None}
    if postgres:
        assert _collations(url) == default
    upgrade_database(url, REVISION)
    assert _state(url) == {table: ([1, 2], set()) for table in TABLES}
    if postgres:
        assert _collations(url) == {"kind": "C", "value": "C"}
    _delete_customer(url, 1)
    assert _state(url) == {table: ([2], set()) for table in TABLES}
    downgrade_database(url, previous)
    assert _state(url) == {table: ([2], {"customers"}) for table in TABLES}
    if postgres:
        assert _collations(url) == default
    _delete_customer(url, 2)
    assert _state(url) == {table: ([], {"customers"}) for table in TABLES}
    upgrade_database(url, REVISION)
    assert _state(url) == {table: ([], set()) for table in TABLES}


def _orphans(session: Session) -> dict[str, int]:
    """Rows of each table whose customer is gone."""
    return {
        table: session.scalar(
            text(
                f"SELECT count(*) FROM {table} AS r "  # noqa: S608 - our own tables
                "WHERE NOT EXISTS (SELECT 1 FROM customers AS c WHERE c.id = r.customer_id)"
            )
        )
        or 0
        for table in TABLES
    }


NONE = {table: 0 for table in TABLES}


def test_deleting_a_customer_deletes_its_identities_and_search_terms(session: Session) -> None:
    workspace = make_workspace(session)
    first = make_customer(session, workspace, "First", email=EMAIL, phone=PHONE)
    second = make_customer(session, workspace, "Second", email="second@example.com")
    session.execute(delete(Customer).where(Customer.id == first.id))
    session.commit()
    for model in (CustomerIdentity, CustomerSearchTerm):
        assert set(session.scalars(select(model.customer_id))) == {second.id}
    assert _orphans(session) == NONE


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks between two open transactions: SQLite admits one writer")


def _attach_phone(factory: Callable[[], Session], workspace_id: int) -> None:
    """A survey answer's reference (no event-writer lock) giving the known e-mail a phone."""
    with transaction(factory) as resolving:
        resolve_customers(
            resolving, workspace_id=workspace_id, references=[(("email", EMAIL), ("phone", PHONE))]
        )


def _first_customer(session: Session) -> tuple[int, int]:
    """A workspace and its customer known by `EMAIL`: their ids."""
    workspace = make_workspace(session)
    return workspace.id, make_customer(session, workspace, "First", email=EMAIL).id


def test_an_identity_attached_while_its_customer_is_erased_fails_and_leaves_no_row(
    engine: Engine, session: Session
) -> None:
    _postgres_only(engine)
    workspace_id, first_id = _first_customer(session)
    factory = create_session_factory(engine)
    with transaction(factory) as erasing:
        privacy.erase_customer(
            erasing, workspace_id=workspace_id, customer_id=first_id, actor=SYSTEM_ACTOR
        )
        # Looks the e-mail up (the erasure is not committed), writes the phone, then waits
        # to lock the customer that the erasure deleted.
        thread, failures = in_thread(lambda: _attach_phone(factory, workspace_id))
        time.sleep(0.5)
        assert thread.is_alive()
    thread.join(timeout=30)
    assert len(failures) == 1  # as the key failed it: the customer is gone
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0
    assert session.scalar(select(func.count()).select_from(CustomerIdentity)) == 0
    assert _orphans(session) == NONE


def test_an_erasure_waits_for_an_identity_attached_and_then_deletes_it(
    engine: Engine, session: Session
) -> None:
    _postgres_only(engine)
    workspace_id, first_id = _first_customer(session)
    factory = create_session_factory(engine)
    with transaction(factory) as resolving:
        resolve_customers(
            resolving, workspace_id=workspace_id, references=[(("email", EMAIL), ("phone", PHONE))]
        )

        thread, failures = erase_in_thread(factory, workspace_id=workspace_id, customer_id=first_id)
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the phone's transaction
    thread.join(timeout=30)
    assert failures == []
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0
    for model in (CustomerIdentity, CustomerSearchTerm):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    assert _orphans(session) == NONE


def test_the_lock_on_a_customer_given_an_identity_holds_back_deletions_only(
    engine: Engine, session: Session
) -> None:
    """`FOR KEY SHARE`, as the key's check: another writer of the customer's row goes on."""
    _postgres_only(engine)
    workspace_id, first_id = _first_customer(session)
    factory = create_session_factory(engine)
    with transaction(factory) as resolving:
        resolve_customers(
            resolving, workspace_id=workspace_id, references=[(("email", EMAIL), ("phone", PHONE))]
        )
        with transaction(factory) as summing:
            summing.execute(text("SET LOCAL lock_timeout = '2s'"))
            # Locks the customer FOR NO KEY UPDATE, as its UPDATE does.
            service.refresh_value_summary(
                summing, workspace_id=workspace_id, customer_ids=[first_id]
            )
