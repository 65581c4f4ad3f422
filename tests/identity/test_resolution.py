"""The one customer resolver (`nabd.customers.identity.resolve_customers`): languages, optional
references and concurrent creation, on a real database."""

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nabd.customers import identity
from nabd.customers.identity import resolve_customers, resolve_optional_customers
from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm
from nabd.customers.search import customer_terms
from tests.customers.factories import make_customer
from tests.events.factories import T0
from tests.factories import make_workspace
from tests.query_counter import count_driver_statements, count_queries


def customers(session: Session, workspace_id: int) -> list[tuple[str | None, set[Any]]]:
    """(language, identities) of each customer of the workspace, oldest first."""
    session.expire_all()
    rows = session.scalars(
        select(Customer).where(Customer.workspace_id == workspace_id).order_by(Customer.id)
    ).all()
    return [(c.language, {(i.kind, i.value) for i in c.identities}) for c in rows]


def terms_match_identities(session: Session, workspace_id: int) -> bool:
    """Every customer's search terms are those of its identities (none has a name here)."""
    stored = session.execute(
        select(CustomerIdentity.customer_id, CustomerIdentity.kind, CustomerIdentity.value).where(
            CustomerIdentity.workspace_id == workspace_id
        )
    ).all()
    expected = set()
    for customer_id in {row[0] for row in stored}:
        pairs = [(kind, value) for owner, kind, value in stored if owner == customer_id]
        expected |= {(customer_id, term) for term in customer_terms(None, pairs)}
    terms = session.execute(
        select(CustomerSearchTerm.customer_id, CustomerSearchTerm.term).where(
            CustomerSearchTerm.workspace_id == workspace_id
        )
    )
    return {tuple(row) for row in terms} == expected


def test_a_new_customer_speaks_the_first_language_given_and_a_known_one_keeps_theirs(
    session: Session,
) -> None:
    workspace = make_workspace(session)
    known = make_customer(session, workspace, None, external_id="sara")  # speaks "ar"
    ids = resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[
            (("external_id", "new"),),
            (("external_id", "new"), ("email", "new@example.com")),
            (("external_id", "sara"),),
            (("external_id", "quiet"),),
            (("external_id", "quiet"),),
        ],
        languages=[None, "en", "en", None, "ar"],
    )
    assert ids[0] == ids[1] and ids[2] == known.id and ids[3] == ids[4]
    assert customers(session, workspace.id) == [
        ("ar", {("external_id", "sara")}),
        # The first item gave no language, the second did.
        ("en", {("external_id", "new"), ("email", "new@example.com")}),
        ("ar", {("external_id", "quiet")}),
    ]
    # Without activity (no `seen_at`) a new customer has not been seen yet.
    new = session.get_one(Customer, ids[0])
    assert new.first_seen_at is None and new.last_seen_at is None
    assert terms_match_identities(session, workspace.id)


def test_optional_references_resolve_to_none_without_a_query(
    session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    known = make_customer(session, workspace, "Sara", email="sara@example.com")
    with count_queries(engine) as counter, count_driver_statements(engine) as driver:
        nobody = resolve_optional_customers(
            session, workspace_id=workspace.id, references=[None, None], languages=["ar", "en"]
        )
    assert nobody == [None, None] and counter.count == 0 and driver.count == 0
    resolved = resolve_optional_customers(
        session,
        workspace_id=workspace.id,
        references=[None, (("email", "sara@example.com"),), None, (("external_id", "x"),)],
        languages=["ar", "ar", "ar", "en"],
    )
    assert resolved[0] is None and resolved[2] is None
    assert resolved[1] == known.id and resolved[3] not in (None, known.id)
    assert customers(session, workspace.id)[-1] == ("en", {("external_id", "x")})


def test_one_lookup_reads_every_kind_of_identity(session: Session, engine: Engine) -> None:
    workspace = make_workspace(session)
    known = make_customer(
        session, workspace, "Sara", email="sara@example.com", phone="+966501234567"
    )
    with count_queries(engine) as counter, count_driver_statements(engine) as driver:
        ids = resolve_customers(
            session,
            workspace_id=workspace.id,
            references=[(("email", "sara@example.com"), ("phone", "+966501234567"))],
        )
    assert ids == [known.id]
    # Straight through the driver: nothing passes SQLAlchemy's events; SQLite's trace sees
    # the one statement (other engines have no trace).
    assert counter.count == 0
    if engine.dialect.name == "sqlite":
        assert driver.count == 1, driver.statements


def test_few_and_many_pairs_are_looked_up_alike(session: Session) -> None:
    """A request's few pairs and a batch's many take different statements on PostgreSQL."""
    workspace, other = make_workspace(session), make_workspace(session, "other")
    ids = resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[(("external_id", f"c{n}"), ("email", f"c{n}@example.com")) for n in range(20)],
    )
    make_customer(session, other, "Theirs", external_id="c0")
    asked = {("external_id", "c0"), ("email", "c0@example.com"), ("phone", "+966501234567")}
    expected = {("external_id", "c0"): ids[0], ("email", "c0@example.com"): ids[0]}
    assert identity.lookup_identities(session, workspace_id=workspace.id, pairs=asked) == expected
    many = asked | {("external_id", f"c{n}") for n in range(1, 20)}
    assert identity.lookup_identities(session, workspace_id=workspace.id, pairs=many) == {
        **expected,
        **{("external_id", f"c{n}"): ids[n] for n in range(1, 20)},
    }


def _late_lookup(monkeypatch: pytest.MonkeyPatch) -> list[set[Any]]:
    """The first lookup finds nothing, as if another transaction committed just after it;
    the INSERT of identities then meets that transaction's rows. The pairs of each call."""
    lookup = identity.lookup_identities
    calls: list[set[Any]] = []

    def late(session: Session, *, workspace_id: int, pairs: set[Any]) -> dict[Any, int]:
        calls.append(set(pairs))
        found = lookup(session, workspace_id=workspace_id, pairs=pairs)
        return {} if len(calls) == 1 else found

    monkeypatch.setattr(identity, "lookup_identities", late)
    return calls


def test_a_customer_created_concurrently_is_used_and_learns_what_the_new_one_held(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session)
    [theirs] = resolve_customers(
        session, workspace_id=workspace.id, references=[(("external_id", "taken"),)]
    )
    calls = _late_lookup(monkeypatch)
    resolved = resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[
            (("external_id", "taken"), ("email", "new@example.com")),
            (("external_id", "fresh"),),
            (("email", "new@example.com"),),
        ],
        languages=["ar", "ar", "ar"],
    )
    assert len(calls) > 1  # the batch was resolved again
    session.flush()
    assert resolved[0] == theirs and resolved[2] == theirs
    assert resolved[1] not in (None, theirs)
    # What comes out is what resolving after the other transaction would have made: its
    # customer, taught the e-mail; the customer made for it alone is gone, with its rows.
    assert customers(session, workspace.id) == [
        (None, {("external_id", "taken"), ("email", "new@example.com")}),
        ("ar", {("external_id", "fresh")}),
    ]
    assert terms_match_identities(session, workspace.id)


def test_held_pairs_survive_a_concurrent_creation(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session)
    [theirs] = resolve_customers(
        session, workspace_id=workspace.id, references=[(("email", "taken@example.com"),)]
    )
    _late_lookup(monkeypatch)
    held: dict[tuple[str, str], int] = {}
    resolved = resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[(("email", "taken@example.com"),), (("phone", "+966501234567"),)],
        seen_at=[T0, T0],
        held=held,
    )
    assert resolved[0] == theirs
    # `held` holds what the database holds, nothing of a customer that was removed again.
    stored = session.execute(
        select(CustomerIdentity.kind, CustomerIdentity.value, CustomerIdentity.customer_id).where(
            CustomerIdentity.workspace_id == workspace.id
        )
    ).all()
    assert held == {(kind, value): owner for kind, value, owner in stored}
    assert held == {("email", "taken@example.com"): theirs, ("phone", "+966501234567"): resolved[1]}
    assert session.get(Customer, resolved[1]) is not None


def test_a_conflict_it_cannot_see_is_an_error_not_an_endless_retry(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session)
    resolve_customers(session, workspace_id=workspace.id, references=[(("external_id", "x"),)])
    # A snapshot that never shows the row the INSERT conflicted with: each run would lose the
    # same pair again. The resolver stops instead of running forever.
    monkeypatch.setattr(identity, "lookup_identities", lambda session, **_: {})
    with pytest.raises(RuntimeError, match="not visible"):
        resolve_customers(session, workspace_id=workspace.id, references=[(("external_id", "x"),)])
