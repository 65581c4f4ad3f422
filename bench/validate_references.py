"""CPU per customer reference validated by each model that names a customer, one at a time.

    python bench/validate_references.py            # 10,000 references, best of 7 rounds

`CustomerReference` (an event's or feedback's customer, when the item goes through the model),
`CustomerRef` (a survey response's) and `CustomerIn` (an imported profile) each validate the
same references: a quarter each an external id alone, an e-mail, a national phone number, and
all three together. Prints the best and the median round's CPU per reference (process time,
comparable when the machine is shared).
"""

import argparse
import statistics
import time
from typing import Any

from pydantic import BaseModel

from nabd.customers.references import CustomerReference, using_phone_region
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


def cpu_per_item(model: type[BaseModel], items: list[dict[str, Any]], rounds: int) -> list[float]:
    """Microseconds of CPU per item, one figure per round."""
    figures = []
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            model.model_validate(item)
        figures.append((time.process_time() - started) / len(items) * 1e6)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="references per round")
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    items = references(arguments.n)
    with using_phone_region("SA"):
        for model in (CustomerReference, CustomerRef, CustomerIn):
            figures = cpu_per_item(model, items, arguments.rounds)
            print(
                f"{model.__name__:<18} {arguments.n:,} references: "
                f"best {min(figures):.2f} µs, median {statistics.median(figures):.2f} µs CPU each"
            )


if __name__ == "__main__":
    main()
