"""`nabd customers reindex` rebuilds what bulk loads left out."""

from pathlib import Path

from sqlalchemy import delete, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.customers.listing import CustomerFilters, ListRequest, list_customers
from nabd.customers.models import Customer, CustomerSearchTerm
from tests.customers.factories import add_history, make_customer
from tests.factories import make_workspace


def test_reindex_restores_search_and_value(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, "مريم الزهراني", email="maryam@example.com")
    add_history(session, workspace, customer)
    # What a bulk load that bypasses the services leaves behind.
    session.execute(delete(CustomerSearchTerm))
    session.execute(update(Customer).values(sort_name="", total_spend=0, order_count=0))
    session.commit()

    result = CliRunner().invoke(
        cli,
        ["customers", "reindex", "--workspace", "acme"],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert "Reindexed 1 customers" in result.output
    session.expire_all()
    found = list_customers(
        session,
        workspace_id=workspace.id,
        filters=CustomerFilters(query="مريم"),
        request=ListRequest(),
    ).items
    assert [c.id for c in found] == [customer.id]
    assert found[0].order_count == 1 and found[0].sort_name == "مريم الزهراني"
