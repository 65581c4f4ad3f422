"""The metric docs are tested: every page is reachable and every public function is explained."""

import inspect
import re
from pathlib import Path

import pytest

from nabd.metrics import customer_dynamics, estimates, service_times, significance

DOCS = Path(__file__).resolve().parents[2] / "docs" / "how-we-compute"
PAGES = [
    "nps.md",
    "csat.md",
    "ces.md",
    "sentiment-index.md",
    "churn-and-retention.md",
    "service-times.md",
    "response-rate.md",
    "significance.md",
]


def all_docs() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in DOCS.glob("*.md"))


def test_every_page_is_linked_from_the_index_and_every_link_resolves():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w-]+\.md)\)", all_docs()))
    assert set(PAGES) <= set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    assert all((DOCS / name).exists() for name in linked)


@pytest.mark.parametrize("module", [estimates, significance, customer_dynamics, service_times])
def test_every_public_function_is_documented(module):
    functions = [
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    ]
    text = all_docs()
    assert [name for name in functions if name not in text] == []
