"""Customer 360 latency: the profile page of a customer with a long history, and the
customer list and search at scale.

    python bench/profile_page.py --customers 100000 --events 10000 --requests 50
    python bench/profile_page.py --database-url postgresql+psycopg://postgres@127.0.0.1/nabd_bench

Builds a fresh database (a temporary SQLite file unless --database-url names a PostgreSQL
database, which is dropped and recreated), bulk-inserts the data, then times real HTTP
requests through FastAPI's TestClient with a signed-in admin.
"""

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session

from nabd.api.app import create_app
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import upgrade_database
from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm, CustomerSeen
from nabd.customers.search import customer_terms, sort_key_of_name
from nabd.events.models import Event
from nabd.journeys import service as journeys
from nabd.workspaces import service as workspaces
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import UserCreate, WorkspaceCreate

PASSWORD = "bench-password-1234"  # noqa: S105 - a throw-away benchmark account
BATCH = 20_000
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _names() -> dict:
    return json.loads((files("nabd.demo") / "data" / "names.json").read_text(encoding="utf-8"))


def _setup(session: Session) -> int:
    workspace = workspaces.create_workspace(
        session, data=WorkspaceCreate(slug="bench", name="Bench"), actor=SYSTEM_ACTOR
    )
    workspaces.add_member(
        session,
        workspace_id=workspace.id,
        data=UserCreate(
            email="admin@bench.example", display_name="A", role=Role.ADMIN, password=PASSWORD
        ),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return workspace.id


def _insert_customers(session: Session, workspace_id: int, count: int) -> None:
    names, rng = _names(), random.Random(7)
    next_id = 1
    for start in range(0, count, BATCH):
        customers, seen, identities, terms = [], [], [], []
        for index in range(start, min(start + BATCH, count)):
            given, family = rng.choice(names["arabic_given"]), rng.choice(names["arabic_family"])
            name = f"{given['ar']} {family['ar']}"
            email = f"{given['latin'].lower()}.{index}@example.com"
            phone = f"+9665{(index * 7_919_387) % 100_000_000:08d}"  # unique per index
            spend = Decimal(rng.randrange(0, 2_000_000)) / 100
            customers.append(
                {
                    "id": next_id,
                    "workspace_id": workspace_id,
                    "display_name": name,
                    "sort_name": sort_key_of_name(name),
                    "attributes": {},
                    "created_at": NOW,
                    "total_spend": spend,
                    "spend_currency": "SAR",
                    "order_count": rng.randrange(0, 40),
                }
            )
            last_seen = NOW - timedelta(minutes=rng.randrange(0, 800_000))
            seen.append(
                {
                    "customer_id": next_id,
                    "workspace_id": workspace_id,
                    "first_seen_at": None,
                    "last_seen_at": last_seen,
                }
            )
            pairs = [("email", email), ("phone", phone)]
            identities += [
                {
                    "workspace_id": workspace_id,
                    "customer_id": next_id,
                    "kind": k,
                    "value": v,
                    "created_at": NOW,
                }
                for k, v in pairs
            ]
            terms += [
                {"workspace_id": workspace_id, "customer_id": next_id, "term": term}
                for term in customer_terms(name, pairs)
            ]
            next_id += 1
        session.execute(insert(Customer), customers)
        session.execute(insert(CustomerSeen), seen)
        session.execute(insert(CustomerIdentity), identities)
        session.execute(insert(CustomerSearchTerm), terms)
        session.commit()


def _insert_history(session: Session, workspace_id: int, customer_id: int, events: int) -> None:
    channel = journeys.ensure_channel(
        session, workspace_id=workspace_id, key="web", name_ar="الموقع", name_en="Website"
    )
    touchpoint = journeys.ensure_touchpoint(
        session,
        workspace_id=workspace_id,
        key="home",
        name_ar="الرئيسية",
        name_en="Home",
        channel=channel,
    )
    rows = [
        {
            "workspace_id": workspace_id,
            "customer_id": customer_id,
            "type": "page_view",
            "channel_id": channel.id,
            "touchpoint_id": touchpoint.id,
            "occurred_at": NOW - timedelta(minutes=index * 7),
            "received_at": NOW,
            "properties": {"path": f"/p/{index}"},
        }
        for index in range(events)
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Event), rows[start : start + BATCH])
    session.commit()


def _time(client: TestClient, url: str, requests: int) -> tuple[float, float]:
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def run(
    database_url: str, customers: int, events: int, requests: int, data_dir: Path, analyze: bool
) -> None:
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    with create_session_factory(engine)() as session:
        workspace_id = _setup(session)
        started = time.perf_counter()
        _insert_customers(session, workspace_id, customers)
        _insert_history(session, workspace_id, 1, events)
        load_seconds = time.perf_counter() - started
        if analyze:
            session.execute(text("ANALYZE"))
            session.commit()
        probe = session.scalar(select(Customer.display_name).where(Customer.id == customers // 2))
    settings = Settings(
        _env_file=None, database_url=database_url, data_dir=data_dir, secret_key="x" * 32
    )  # type: ignore[call-arg]
    app = create_app(settings, engine=engine)
    first_name = (probe or "").split()[0]
    checks = [
        (f"profile page, {events:,} events (first 50)", "/customers/1"),
        (f"profile page, {events:,} events, page 2 filter", "/customers/1?kind=event&channel_id=1"),
        ("API profile", "/api/v1/customers/1"),
        ("API timeline (50)", "/api/v1/customers/1/timeline"),
        ("list, last seen", "/customers"),
        ("list, by total spend", "/customers?sort=-total_spend"),
        ("list, by name", "/customers?sort=name"),
        ("list, spend 100-200 SAR", "/customers?min_spend=100&max_spend=200"),
        (f"search '{first_name}' (folded)", f"/customers?q={first_name.replace('أ', 'ا')}"),
        ("search e-mail prefix", f"/customers?q={'mohammed.' + str(customers // 3)}"),
        ("search phone prefix", "/customers?q=05512"),
        ("API search name", f"/api/v1/customers?q={first_name}"),
    ]
    with TestClient(app) as client:
        login = client.get("/login").text
        csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": csrf},
        )
        print(
            f"engine: {engine.dialect.name}; customers: {customers:,}; "
            f"events of customer 1: {events:,}; "
            f"requests per row: {requests}; load: {load_seconds:.0f} s; analyze: {analyze}"
        )
        print(f"{'request':<46} {'p50 ms':>8} {'p99 ms':>8}")
        for label, url in checks:
            p50, p99 = _time(client, url, requests)
            print(f"{label:<46} {p50:>8.1f} {p99:>8.1f}")
    engine.dispose()


@contextmanager
def _fresh_postgres(url: str) -> Iterator[str]:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    try:
        yield target.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after loading")
    parser.add_argument("--database-url", help="a PostgreSQL URL (recreated); default: temp SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.database_url:
            with _fresh_postgres(args.database_url) as url:
                run(url, args.customers, args.events, args.requests, Path(folder), args.analyze)
        else:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            run(url, args.customers, args.events, args.requests, Path(folder), args.analyze)


if __name__ == "__main__":
    main()
