"""Events per second through `POST /api/v1/events` (live `nabd serve`) and through CSV import.

    python bench/ingest_events.py                       # SQLite in a temp dir, 1,000,000 CSV rows
    python bench/ingest_events.py --n 200000 --api-events 50000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_bench

The API part posts batches of `--batch` events from `--clients` threads to a live server on
127.0.0.1; the CSV part imports a generated file of `--n` events in-process. Peak memory is the
process's maximum resident set size (resource.getrusage), for the server and the importer.
Besides wall-clock items/s it prints items per CPU-second of the server (API) or the importer
(CSV), which stays comparable when the machine is shared.
"""

import argparse
import csv
import gc
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.core.migrations import upgrade_database
from nabd.imports.mapping import default_mapping
from nabd.imports.runner import run_import
from nabd.journeys import service as journeys
from nabd.workspaces import service as workspaces
from nabd.workspaces import tokens
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import TokenCreate, WorkspaceCreate

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOMERS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(database_url: str, slug: str) -> tuple[int, str]:
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    with transaction(create_session_factory(engine)) as session:
        workspace = workspaces.create_workspace(
            session, data=WorkspaceCreate(slug=slug, name=slug), actor=SYSTEM_ACTOR
        )
        channel = journeys.ensure_channel(
            session, workspace_id=workspace.id, key="web", name_ar="الموقع", name_en="Web"
        )
        journeys.ensure_touchpoint(
            session,
            workspace_id=workspace.id,
            key="checkout",
            name_ar="الدفع",
            name_en="Checkout",
            channel=channel,
        )
        _token, issued = tokens.create_token(
            session,
            workspace_id=workspace.id,
            data=TokenCreate(name="bench", role=Role.ANALYST),
            actor=SYSTEM_ACTOR,
        )
        workspace_id = workspace.id
    engine.dispose()
    return workspace_id, issued.plaintext


def event(number: int, prefix: str) -> dict[str, object]:
    return {
        "event_id": f"{prefix}-{number}",
        "customer": {"external_id": f"c{number % CUSTOMERS}"},
        "type": "page_view" if number % 3 else "add_to_cart",
        "touchpoint": "checkout" if number % 5 == 0 else None,
        "timestamp": (T0 + timedelta(seconds=number)).isoformat(),
        "properties": {"path": f"/p/{number % 97}"},
    }


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("nabd serve exited early")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("nabd serve did not start")


def bench_api(args: argparse.Namespace, database_url: str, data_dir: Path) -> dict[str, float]:
    _workspace_id, token = prepare(database_url, "bench-api")
    port = free_port()
    env = {
        **os.environ,
        "NABD_DATABASE_URL": database_url,
        "NABD_DATA_DIR": str(data_dir),
        "NABD_LOG_LEVEL": "warning",
        "NABD_JOBS_EMBEDDED_CONSUMER": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "nabd", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        batches = [
            [event(n, "api") for n in range(start, min(start + args.batch, args.api_events))]
            for start in range(0, args.api_events, args.batch)
        ]
        headers = {"Authorization": f"Bearer {token}"}

        def send(chunk: list[list[dict[str, object]]]) -> int:
            accepted = 0
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                for batch in chunk:
                    response = client.post("/api/v1/events", json={"events": batch})
                    response.raise_for_status()
                    accepted += response.json()["accepted"]
            return accepted

        chunks = [batches[i :: args.clients] for i in range(args.clients)]
        cpu_before = _cpu_of(server.pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            accepted = sum(pool.map(send, chunks))
        elapsed = time.perf_counter() - started
        server_cpu = _cpu_of(server.pid) - cpu_before
        server_rss = _rss_of(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if accepted != args.api_events:
        raise SystemExit(f"accepted {accepted} of {args.api_events}")
    return {
        "items": args.api_events,
        "seconds": elapsed,
        "cpu_seconds": server_cpu,
        "rss_mb": server_rss,
    }


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) the process has used, from /proc: the machine is shared,
    so throughput per CPU-second is the figure that compares across runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_of(pid: int) -> float:
    """Peak resident memory of the server process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_csv(args: argparse.Namespace, database_url: str, data_dir: Path) -> dict[str, float]:
    workspace_id, _token = prepare(database_url, "bench-csv")
    path = data_dir / "events.csv"
    header = [
        "event_id",
        "customer.external_id",
        "type",
        "touchpoint",
        "timestamp",
        "properties.path",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(args.n):
            item = event(number, "csv")
            writer.writerow(
                [
                    item["event_id"],
                    f"c{number % CUSTOMERS}",
                    item["type"],
                    item["touchpoint"] or "",
                    item["timestamp"],
                    f"/p/{number % 97}",
                ]
            )
    engine = create_db_engine(database_url)
    gc.freeze()  # as `nabd import` does before its first batch
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_before = time.process_time()
    started = time.perf_counter()
    report = run_import(
        create_session_factory(engine),
        workspace_id=workspace_id,
        kind="events",
        path=path,
        mapping=default_mapping("events", header),
        time_zone="UTC",
        batch_size=args.import_batch,
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    engine.dispose()
    if report.accepted != args.n:
        raise SystemExit(f"imported {report.accepted} of {args.n}: {report.errors[:3]}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "items": args.n,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "rss_mb": rss,
        "rss_before_mb": rss_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="CSV rows to import")
    parser.add_argument("--api-events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="events per API request")
    parser.add_argument("--clients", type=int, default=4, help="concurrent API clients")
    parser.add_argument("--import-batch", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        database_url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
        engine_name = database_url.split(":", 1)[0].split("+")[0]
        results = []
        if not args.skip_api:
            results.append(
                (
                    f"API, batches of {args.batch}, {args.clients} clients",
                    bench_api(args, database_url, data_dir),
                )
            )
        if not args.skip_csv:
            results.append(
                (
                    f"CSV import, batches of {args.import_batch}",
                    bench_csv(args, database_url, data_dir),
                )
            )
    print(f"\nengine: {engine_name}")
    print(
        f"{'path':<40} {'items':>10} {'seconds':>9} {'items/s':>10} "
        f"{'items/CPU-s':>12} {'peak RSS MB':>12}"
    )
    for label, result in results:
        rate = result["items"] / result["seconds"]
        cpu_rate = result["items"] / result["cpu_seconds"]
        print(
            f"{label:<40} {int(result['items']):>10,} {result['seconds']:>9.1f} {rate:>10,.0f} "
            f"{cpu_rate:>12,.0f} {result['rss_mb']:>12.0f}"
        )
        if "rss_before_mb" in result:
            # Flat memory is the proof that the file streams: compare with a smaller --n.
            print(f"{'':<40} peak RSS before the import {result['rss_before_mb']:.0f} MB")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
