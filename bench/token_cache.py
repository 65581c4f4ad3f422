"""The per-process API token cache alone (`nabd.workspaces.tokens.RecentTokens`): the cost of a
hit (every API call of an integration) and of a write (a miss), with N live tokens.

    python bench/token_cache.py --live 8 --live 3000
"""

import argparse
import inspect
import timeit
from typing import Any

from nabd.workspaces.tokens import RecentTokens


def measure(live: int) -> tuple[float, float, int]:
    """(ns per hit, ns per write, entries kept) with `live` tokens written in the last seconds."""
    cache = RecentTokens(1e9)
    # Branches before the write-generation check take no keyword (for paired runs with main).
    keywords: dict[str, Any] = (
        {"generation": 0} if "generation" in inspect.signature(cache.put).parameters else {}
    )
    for number in range(live):
        cache.put(f"digest-{number}", number, **keywords)
    hit = min(timeit.repeat(lambda: cache.get("digest-3"), number=200_000, repeat=5)) / 200_000
    write = min(
        timeit.repeat(lambda: cache.put("digest-new", 0, **keywords), number=2_000, repeat=5)
    )
    entries = getattr(cache, "_entries", {})
    return hit * 1e9, write / 2_000 * 1e9, len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", type=int, action="append", default=[])
    for live in parser.parse_args().live or [8]:
        hit, write, kept = measure(live)
        print(f"live={live:>6}  hit {hit:6.0f} ns  write {write:8.0f} ns  entries kept {kept}")


if __name__ == "__main__":
    main()
