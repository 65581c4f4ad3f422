"""CPU per customer reference validated by each model that names a customer, one at a time,
and per event of a `POST /api/v1/events` body by the kind of reference its events carry.

    python bench/validate_references.py            # 10,000 references, best of 7 rounds

`CustomerReference` (an event's or feedback's customer, when the item goes through the model),
`CustomerRef` (a survey response's) and `CustomerIn` (an imported profile) each validate the
same references: a quarter each an external id alone, an e-mail, a national phone number, and
all three together. Then a body of 500 events naming 100 customers (by external id, phone,
e-mail, or phone and e-mail) is validated as the events API does (`validate_event_body`: the
shapes in pydantic-core, each distinct e-mail or phone normalised once). Prints the best and
the median round's CPU per item (process time, comparable when the machine is shared).
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from nabd.customers.references import CustomerReference, using_phone_region
from nabd.events.bodies import validate_event_body
from nabd.imports.customers import CustomerIn
from nabd.surveys.schemas import CustomerRef


def references(count: int) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for number in range(count):
        external = {"external_id": f"c{number}"}
        email = {"email": f"Person{number}@Example.com"}
        phone = {"phone": f"05{number % 10_000_000:08d}"}
        made.append([external, email, phone, external | email | phone][number % 4])
    return made


def event_body(kind: str) -> bytes:
    """500 events naming 100 customers by `kind` of reference."""
    events = []
    for number in range(500):
        customer = number % 100
        phone = {"phone": f"+96650{1_000_000 + customer:07d}"}
        email = {"email": f"Person{customer}@Example.com"}
        reference = {
            "external_id": {"external_id": f"c{customer}"},
            "phone": phone,
            "email": email,
            "phone and email": phone | email,
        }[kind]
        events.append(
            {
                "event_id": f"e{number}",
                "customer": reference,
                "type": "page_view",
                "timestamp": "2026-05-01T10:00:00+03:00",
            }
        )
    return json.dumps({"events": events}).encode()


def cpu_per_item(run: Callable[[], object], items: int, rounds: int) -> list[float]:
    """Microseconds of CPU per item of `run`, one figure per round."""
    figures = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        figures.append((time.process_time() - started) / items * 1e6)
    return figures


def show(name: str, figures: list[float]) -> None:
    print(f"{name:<46} best {min(figures):6.2f} µs, median {statistics.median(figures):6.2f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="references per round")
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    items = references(arguments.n)
    print("CPU per item")
    with using_phone_region("SA"):
        for model in (CustomerReference, CustomerRef, CustomerIn):

            def validate_all(model: type[BaseModel] = model) -> None:
                for item in items:
                    model.model_validate(item)

            show(
                f"{model.__name__}, {arguments.n:,} references",
                cpu_per_item(validate_all, len(items), arguments.rounds),
            )
        for kind in ("external_id", "phone", "email", "phone and email"):
            body = event_body(kind)

            def validate_body(body: bytes = body) -> None:
                for _ in range(20):
                    validate_event_body(body, locale="en")

            show(
                f"events API body, 500 events by {kind}",
                cpu_per_item(validate_body, 20 * 500, arguments.rounds),
            )


if __name__ == "__main__":
    main()
