"""Survey responses per second through the API of a live `nabd serve`, single and batched.

    python bench/survey_responses.py                    # SQLite in a temp dir
    python bench/survey_responses.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_bench
    python bench/survey_responses.py --bare             # the anchor: bare FastAPI + sqlite3

Each response is what an in-app integration sends: a customer reference (external id, 2,000
distinct customers, all created before the measurement), a channel, the language, an NPS
score, the branching follow-up text and a CSAT score; single requests carry an
`Idempotency-Key`, batch items an `idempotency_key`. `--clients` threads each keep one HTTP
connection open; latency is measured per request by the client. `--bare` measures, with the
same client, a bare FastAPI endpoint that inserts the raw JSON into SQLite, so the ratio
between the two does not depend on the load generator.
"""

import argparse
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.core.migrations import upgrade_database
from nabd.journeys import service as journeys
from nabd.surveys import service as surveys
from nabd.surveys.schemas import SurveyIn
from nabd.workspaces import service as workspaces
from nabd.workspaces import tokens
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import TokenCreate, WorkspaceCreate

CUSTOMERS = 2_000
JSON_HEADERS = {"Content-Type": "application/json"}
COMMENTS = ("التوصيل كان سريعًا والموظف لطيف", "The app kept logging me out at checkout")
SURVEY = {
    "title": {"ar": "استبيان ما بعد الشراء", "en": "Post-purchase survey"},
    "status": "active",
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {
                "ar": "ما مدى احتمال أن توصي بنا؟",
                "en": "How likely are you to recommend us?",
            },
        },
        {
            "key": "what_went_wrong",
            "type": "text",
            "text": {"ar": "ما الذي لم يعجبك؟", "en": "What went wrong?"},
            "condition": {"question": "nps", "op": "lte", "value": 6},
        },
        {
            "key": "what_you_liked",
            "type": "text",
            "text": {"ar": "ما الذي أعجبك؟", "en": "What did you like?"},
            "condition": {"question": "nps", "op": "gte", "value": 7},
        },
        {
            "key": "csat",
            "type": "csat",
            "text": {"ar": "ما مدى رضاك عن تجربتك؟", "en": "How satisfied are you?"},
        },
    ],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(database_url: str) -> tuple[str, int, dict[str, int]]:
    """A workspace with a web channel, an API token and an active survey."""
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    with transaction(create_session_factory(engine)) as session:
        workspace = workspaces.create_workspace(
            session, data=WorkspaceCreate(slug="bench-surveys", name="bench"), actor=SYSTEM_ACTOR
        )
        journeys.ensure_channel(
            session, workspace_id=workspace.id, key="web", name_ar="الموقع", name_en="Web"
        )
        _token, issued = tokens.create_token(
            session,
            workspace_id=workspace.id,
            data=TokenCreate(name="bench", role=Role.ANALYST),
            actor=SYSTEM_ACTOR,
        )
        survey = surveys.create_survey(
            session,
            workspace_id=workspace.id,
            data=SurveyIn.model_validate(SURVEY),
            actor=SYSTEM_ACTOR,
        )
        survey_id = survey.id
        ids = {question.key: question.id for question in survey.questions}
    engine.dispose()
    return issued.plaintext, survey_id, ids


def response_body(number: int, ids: dict[str, int]) -> dict[str, Any]:
    score = number % 11
    follow_up = "what_went_wrong" if score <= 6 else "what_you_liked"
    return {
        "customer": {"external_id": f"c{number % CUSTOMERS}"},
        "channel": "web",
        "language": "ar" if number % 3 else "en",
        "answers": [
            {"question_id": ids["nps"], "value": score},
            {"question_id": ids[follow_up], "value": COMMENTS[number % 2]},
            {"question_id": ids["csat"], "value": 1 + number % 5},
        ],
    }


def start(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"server exited early: {' '.join(command)}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("server did not start")


def post(
    connection: http.client.HTTPConnection, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, Any]:
    """One JSON POST on a kept-alive connection (stdlib: a lighter client than httpx)."""
    connection.request("POST", path, body=json.dumps(body), headers={**headers, **JSON_HEADERS})
    reply = connection.getresponse()
    return reply.status, json.loads(reply.read())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_clients(
    base: str, jobs: list[Any], clients: int, send: Callable[..., int]
) -> tuple[int, float, list[float]]:
    """Spread the jobs over `clients` threads; (items accepted, seconds, latencies in s)."""
    latencies: list[float] = []
    address = httpx.URL(base)

    def worker(chunk: list[Any]) -> int:
        accepted = 0
        connection = http.client.HTTPConnection(address.host, address.port, timeout=120)
        try:
            for job in chunk:
                began = time.perf_counter()
                accepted += send(connection, job)
                latencies.append(time.perf_counter() - began)
        finally:
            connection.close()
        return accepted

    chunks = [jobs[i::clients] for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        accepted = sum(pool.map(worker, chunks))
    return accepted, time.perf_counter() - started, latencies


def measure(
    base: str,
    headers: dict[str, str],
    ids: dict[str, int],
    args: argparse.Namespace,
    single_path: str,
    batch_path: str,
    server_pid: int,
) -> list[tuple[str, dict[str, float]]]:
    def send_one(connection: http.client.HTTPConnection, number: int) -> int:
        key = {"Idempotency-Key": f"single-{number}"}
        status, body = post(connection, single_path, response_body(number, ids), headers | key)
        if status != 201:
            raise SystemExit(f"single request failed: {status} {body}")
        return 1

    def send_batch(connection: http.client.HTTPConnection, numbers: range) -> int:
        items = [{**response_body(n, ids), "idempotency_key": f"batch-{n}"} for n in numbers]
        status, body = post(connection, batch_path, {"responses": items}, headers)
        if status != 200:
            raise SystemExit(f"batch failed: {status} {body}")
        return int(body["accepted"])

    # Outside the measurement: warm the server up and create every customer once, so the
    # figures are for responses from known customers (the steady state).
    run_clients(base, list(range(10**8, 10**8 + 50)), 1, send_one)
    warm_up = 2 * 10**7
    customers = [range(warm_up + n, warm_up + n + 500) for n in range(0, CUSTOMERS, 500)]
    run_clients(base, customers, 1, send_batch)
    results = []
    if args.single:  # `--single 0` measures the batches alone
        cpu = cpu_seconds(server_pid)
        accepted, seconds, latencies = run_clients(
            base, list(range(args.single)), args.clients, send_one
        )
        figures = _figures(accepted, seconds, latencies, cpu_seconds(server_pid) - cpu)
        results.append((f"single, {args.clients} clients", figures))
    if not args.batched:
        return results
    first = 10**7  # batch numbers never meet the single requests' idempotency keys
    batches = [
        range(first + start, first + min(start + args.batch, args.batched))
        for start in range(0, args.batched, args.batch)
    ]
    cpu = cpu_seconds(server_pid)
    accepted, seconds, latencies = run_clients(base, batches, args.batch_clients, send_batch)
    if accepted != args.batched:
        raise SystemExit(f"accepted {accepted} of {args.batched} batched responses")
    label = f"batches of {args.batch}, {args.batch_clients} clients"
    figures = _figures(accepted, seconds, latencies, cpu_seconds(server_pid) - cpu)
    results.append((label, figures))
    return results


def _figures(items: int, seconds: float, latencies: list[float], cpu: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "items": items,
        "seconds": seconds,
        "rate": items / seconds,
        "cpu_ms": cpu / items * 1000,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def bench_nabd(args: argparse.Namespace, database_url: str, data_dir: Path) -> list[Any]:
    token, survey_id, ids = prepare(database_url)
    port = free_port()
    env = {
        **os.environ,
        "NABD_DATABASE_URL": database_url,
        "NABD_DATA_DIR": str(data_dir),
        "NABD_LOG_LEVEL": "warning",
        "NABD_JOBS_EMBEDDED_CONSUMER": "false",
    }
    base = f"http://127.0.0.1:{port}"
    server = start([sys.executable, "-m", "nabd", "serve", "--port", str(port)], env, base)
    try:
        path = f"/api/v1/surveys/{survey_id}/responses"
        headers = {"Authorization": f"Bearer {token}"}
        return measure(base, headers, ids, args, path, path + "/batch", server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def bare_app() -> Any:
    """The anchor: FastAPI parsing the JSON and inserting it into SQLite, nothing else.

    One connection, used from the event loop only (async handlers), committed per request.
    """
    from fastapi import FastAPI, Request

    app = FastAPI()
    connection = sqlite3.connect(os.environ["BENCH_SQLITE_PATH"], check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE responses (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/responses", status_code=201)
    async def single(request: Request) -> dict[str, int]:
        body = await request.json()
        with connection:
            cursor = connection.execute(
                "INSERT INTO responses (body) VALUES (?)", (json.dumps(body),)
            )
        return {"id": int(cursor.lastrowid or 0)}

    @app.post("/responses/batch")
    async def batch(request: Request) -> dict[str, int]:
        items = (await request.json())["responses"]
        with connection:
            connection.executemany(
                "INSERT INTO responses (body) VALUES (?)", [(json.dumps(i),) for i in items]
            )
        return {"accepted": len(items)}

    return app


def bench_bare(args: argparse.Namespace, data_dir: Path) -> list[Any]:
    port = free_port()
    env = {**os.environ, "BENCH_SQLITE_PATH": str(data_dir / "bare.sqlite3")}
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--app-dir",
        str(Path(__file__).parent),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "survey_responses:bare_app",
    ]
    server = start(command, env, base)
    ids = {"nps": 1, "what_went_wrong": 2, "what_you_liked": 3, "csat": 4}
    try:
        return measure(base, {}, ids, args, "/responses", "/responses/batch", server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--single", type=int, default=5_000, help="single requests to send")
    parser.add_argument("--clients", type=int, default=8, help="concurrent single-request clients")
    parser.add_argument("--batched", type=int, default=50_000, help="responses sent in batches")
    parser.add_argument("--batch", type=int, default=500, help="responses per batch request")
    parser.add_argument("--batch-clients", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--bare", action="store_true", help="measure the bare anchor instead")
    args = parser.parse_args()
    load_before = f"{os.getloadavg()[0]:.2f}"
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        if args.bare:
            engine_name, results = "bare FastAPI + sqlite3", bench_bare(args, data_dir)
        else:
            database_url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
            engine_name = database_url.split(":", 1)[0].split("+")[0]
            results = bench_nabd(args, database_url, data_dir)
    print(f"\nengine: {engine_name}")
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.2f}")
    print(
        f"{'path':<28} {'items':>8} {'seconds':>8} {'items/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'server CPU ms/item':>19}"
    )
    for label, figures in results:
        print(
            f"{label:<28} {int(figures['items']):>8,} {figures['seconds']:>8.1f} "
            f"{figures['rate']:>9,.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}"
            f" {figures['cpu_ms']:>19.3f}"
        )


if __name__ == "__main__":
    main()
