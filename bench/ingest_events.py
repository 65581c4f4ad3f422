"""Events per second through `POST /api/v1/events` (live `nabd serve`) and through CSV import.

    python bench/ingest_events.py                       # SQLite in a temp dir, 1,000,000 CSV rows
    python bench/ingest_events.py --n 200000 --api-events 50000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_bench
    python bench/ingest_events.py --bare --api-events 50000   # the anchor, same client
    python bench/ingest_events.py --bare --skip-csv --api-events 50000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_bench  # on PostgreSQL

The API part posts batches of `--batch` events (encoded before the clock starts) from
`--clients` threads over kept-alive stdlib connections to a live server on 127.0.0.1; `--bare`
sends the same bodies to the issue's anchor (a bare FastAPI endpoint inserting each event's
JSON into SQLite) instead, so the two compare run for run; with a PostgreSQL `--database-url`
the anchor COPYs them into a plain table there, the same anchor on nabd's other database.
The CSV part imports a generated file of `--n` events in-process, its reader in a second
process as `nabd import` does for a large file (`--reader thread` keeps it on a thread). Peak
memory is the process's maximum resident set size, for the server and the importer; for the
CSV import it adds the reader process's peak (an upper bound of the two processes' peak
together).
Besides wall-clock items/s it prints items per CPU-second of the server (API) or the
importer and its reader process (CSV), which stays comparable when the machine is shared, and
on a local PostgreSQL the CPU per item of the database's backends too.
"""

import argparse
import csv
import gc
import http.client
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import make_url

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


def bare_app() -> Any:
    """The issue's anchor: FastAPI parsing the JSON batch and inserting each event's JSON
    into SQLite, nothing else (no validation, identities or idempotency); into PostgreSQL
    when the bench runs on it (`bare_postgres_app`)."""
    from fastapi import FastAPI, Request

    if dsn := os.environ.get("BENCH_BARE_POSTGRES"):
        return bare_postgres_app(dsn)
    app = FastAPI()
    connection = sqlite3.connect(os.environ["BENCH_SQLITE_PATH"], check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/events")
    async def events(request: Request) -> dict[str, int]:
        items = (await request.json())["events"]
        with connection:
            connection.executemany(
                "INSERT INTO events (body) VALUES (?)", [(json.dumps(i),) for i in items]
            )
        return {"accepted": len(items), "duplicates": 0}

    return app


def bare_postgres_app(dsn: str) -> Any:
    """The same anchor on PostgreSQL: each batch's JSON texts COPYed into a plain table with
    only its primary key, one transaction a batch, on one of two connections so that both
    clients' batches are in the database at once, as nabd's are (its pool, two clients)."""
    import asyncio
    from contextlib import asynccontextmanager

    import psycopg
    from fastapi import FastAPI, Request

    idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    @asynccontextmanager
    async def connections(_app: FastAPI) -> Any:
        with psycopg.connect(dsn, autocommit=True) as setup:
            setup.execute("DROP TABLE IF EXISTS bare_events")
            setup.execute("CREATE TABLE bare_events (id bigserial PRIMARY KEY, body text NOT NULL)")
        opened = [await psycopg.AsyncConnection.connect(dsn) for _ in range(2)]
        for connection in opened:
            idle.put_nowait(connection)
        yield
        for connection in opened:
            await connection.close()

    app = FastAPI(lifespan=connections)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/events")
    async def events(request: Request) -> dict[str, int]:
        items = (await request.json())["events"]
        connection = await idle.get()
        try:
            cursor = connection.cursor()
            async with cursor.copy("COPY bare_events (body) FROM STDIN") as copy:
                for item in items:
                    await copy.write_row((json.dumps(item),))
            await connection.commit()
        finally:
            idle.put_nowait(connection)
        return {"accepted": len(items), "duplicates": 0}

    return app


def _server_command(args: argparse.Namespace, port: int) -> list[str]:
    if args.bare:
        return [
            *(sys.executable, "-m", "uvicorn", "--factory", "--log-level", "warning"),
            *("--app-dir", str(Path(__file__).parent), "--port", str(port)),
            "ingest_events:bare_app",
        ]
    return [sys.executable, "-m", "nabd", "serve", "--port", str(port)]


def bench_api(args: argparse.Namespace, database_url: str, data_dir: Path) -> dict[str, float]:
    token = "" if args.bare else prepare(database_url, "bench-api")[1]
    port = free_port()
    env = {
        **os.environ,
        "NABD_DATABASE_URL": database_url,
        "NABD_DATA_DIR": str(data_dir),
        "NABD_LOG_LEVEL": "warning",
        "NABD_JOBS_EMBEDDED_CONSUMER": "false",
        "BENCH_SQLITE_PATH": str(data_dir / "bare.sqlite3"),
    }
    if args.bare and make_url(database_url).get_backend_name() == "postgresql":
        env["BENCH_BARE_POSTGRES"] = _libpq_dsn(database_url)
    server = subprocess.Popen(_server_command(args, port), env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        # Bodies are encoded before the clock starts: the load generator shares the machine,
        # so it should spend as little CPU as it can (stdlib http.client, kept alive).
        bodies = [
            json.dumps(
                {
                    "events": [
                        event(n, "api")
                        for n in range(start, min(start + args.batch, args.api_events))
                    ]
                }
            ).encode()
            for start in range(0, args.api_events, args.batch)
        ]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        latencies: list[float] = []

        def send(chunk: list[bytes]) -> int:
            accepted = 0
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                for body in chunk:
                    sent = time.perf_counter()
                    connection.request("POST", "/api/v1/events", body=body, headers=headers)
                    reply = connection.getresponse()
                    answer = reply.read()
                    latencies.append(time.perf_counter() - sent)  # list.append is atomic
                    if reply.status != 200:
                        raise SystemExit(f"batch refused: {reply.status} {answer[:300]!r}")
                    accepted += json.loads(answer)["accepted"]
            finally:
                connection.close()
            return accepted

        chunks = [bodies[i :: args.clients] for i in range(args.clients)]
        cpu_before = _cpu_of(server.pid)
        database_cpu = DatabaseCpu(database_url)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            accepted = sum(pool.map(send, chunks))
        elapsed = time.perf_counter() - started
        server_cpu = _cpu_of(server.pid) - cpu_before
        db_cpu = database_cpu.used()
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
        "p50_ms": 1000 * _percentile(latencies, 0.50),
        "p99_ms": 1000 * _percentile(latencies, 0.99),
        **({} if db_cpu is None else {"db_cpu_seconds": db_cpu}),
    }


def _libpq_dsn(database_url: str) -> str:
    """SQLAlchemy's URL as psycopg takes it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) the process has used, from /proc: the machine is shared,
    so throughput per CPU-second is the figure that compares across runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving the benchmark's database, when the
    server runs on this machine (None otherwise): on PostgreSQL most of an event's CPU is
    the database's, which the nabd process's own figure leaves out. Backends are listed at
    the start and at the end (the pool keeps its connections open in between)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._local = url.get_backend_name() == "postgresql" and url.host in (
            "127.0.0.1",
            "localhost",
        )
        self._dsn = _libpq_dsn(database_url)
        self._before = self._backends()

    def _backends(self) -> dict[int, float]:
        if not self._local:
            return {}
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True) as connection:
            pids = connection.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        found = {}
        for (pid,) in pids:
            try:
                found[pid] = _cpu_of(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue  # ended meanwhile
        return found

    def used(self) -> float | None:
        """CPU seconds used since the start by the backends open now (None if not local)."""
        if not self._local:
            return None
        after = self._backends()
        return sum(cpu - self._before.get(pid, 0.0) for pid, cpu in after.items())


def _rss_of(pid: int) -> float:
    """Peak resident memory of a process (Linux /proc), in MB."""
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
    gc.freeze()  # as `nabd import` does for the length of the import
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    own_before, children_before = time.process_time(), _children_cpu()
    written_before = _bytes_written()
    watcher = ChildPeakWatcher()
    database_cpu = DatabaseCpu(database_url)
    started = time.perf_counter()
    report = run_import(
        create_session_factory(engine),
        workspace_id=workspace_id,
        kind="events",
        path=path,
        mapping=default_mapping("events", header),
        time_zone="UTC",
        phone_region="SA",  # the new workspace's
        batch_size=args.import_batch,
        reader_process=args.reader == "process",
    )
    elapsed = time.perf_counter() - started
    # The reader process has ended (run_import joins it), so its use is in RUSAGE_CHILDREN.
    own_cpu = time.process_time() - own_before
    reader_cpu = _children_cpu() - children_before
    written_mb = (_bytes_written() - written_before) / 2**20
    db_cpu = database_cpu.used()  # before the pool closes its connections
    engine.dispose()
    if report.accepted != args.n:
        raise SystemExit(f"imported {report.accepted} of {args.n}: {report.errors[:3]}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reader_rss = watcher.stop()
    return {
        "items": args.n,
        "seconds": elapsed,
        "cpu_seconds": own_cpu + reader_cpu,
        "importer_cpu_seconds": own_cpu,
        "reader_cpu_seconds": reader_cpu,
        "written_mb": written_mb,
        "rss_mb": rss + reader_rss,
        "rss_before_mb": rss_before,
        "reader_rss_mb": reader_rss,
        **({} if db_cpu is None else {"db_cpu_seconds": db_cpu}),
    }


def _bytes_written() -> int:
    """Bytes this process has written (Linux /proc, `wchar`): SQLite's WAL and checkpoints,
    a figure the machine's load does not change."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ChildPeakWatcher:
    """The largest peak RSS (VmHWM) of this process's children while it runs, in MB, read
    from /proc every 50 ms: the reader process's. (`RUSAGE_CHILDREN`'s ru_maxrss is no use
    here: Linux keeps it across exec, so it counts the importer's memory at the fork.)"""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            for children in Path("/proc/self/task").glob("*/children"):
                for pid in children.read_text().split():
                    try:
                        self.peak_mb = max(self.peak_mb, _rss_of(int(pid)))
                    except (FileNotFoundError, ProcessLookupError, ValueError):
                        continue  # ended meanwhile

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="CSV rows to import")
    parser.add_argument("--api-events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="events per API request")
    parser.add_argument("--clients", type=int, default=2, help="concurrent API clients")
    parser.add_argument("--import-batch", type=int, default=5000)
    parser.add_argument(
        "--reader",
        choices=("process", "thread"),
        default="process",
        help="where the CSV import reads and validates (a process only for a large file)",
    )
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument(
        "--bare",
        action="store_true",
        help="the anchor instead of nabd: bare FastAPI + sqlite3 (or PostgreSQL with "
        "--database-url), same client and bodies",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        database_url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
        engine_name = database_url.split(":", 1)[0].split("+")[0]
        results = []
        if not args.skip_api:
            results.append(
                (
                    f"{'bare ' if args.bare else ''}API, batches of {args.batch}, "
                    f"{args.clients} clients",
                    bench_api(args, database_url, data_dir),
                )
            )
        if not args.skip_csv and not args.bare:
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
        if "p50_ms" in result:
            print(
                f"{'':<40} request latency p50 {result['p50_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms"
            )
        if "rss_before_mb" in result:
            # Flat memory is the proof that the file streams: compare with a smaller --n.
            print(f"{'':<40} peak RSS before the import {result['rss_before_mb']:.0f} MB")
        if "db_cpu_seconds" in result:
            per_item = 1e6 * result["db_cpu_seconds"] / result["items"]
            nabd_per_item = 1e6 * result["cpu_seconds"] / result["items"]
            print(
                f"{'':<40} CPU per item: nabd {nabd_per_item:.1f} µs, PostgreSQL backends "
                f"{per_item:.1f} µs"
            )
        if "importer_cpu_seconds" in result:
            # The importer (storing) is the bottleneck of a CSV import with a reader process.
            per_row = 1e6 / result["items"]
            print(
                f"{'':<40} CPU µs per row: importer {result['importer_cpu_seconds'] * per_row:.2f}"
                f", reader process {result['reader_cpu_seconds'] * per_row:.2f}"
            )
        if result.get("written_mb"):
            print(f"{'':<40} written by the importer {result['written_mb']:,.0f} MB")
        if result.get("reader_rss_mb"):
            print(f"{'':<40} of the peak, the reader process's {result['reader_rss_mb']:.0f} MB")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
