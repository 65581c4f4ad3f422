"""Quarter quick picks for the goal form."""

from datetime import date

from nabd.goals.quarters import Quarter, quick_picks


def test_quarters_know_their_days_and_neighbours() -> None:
    q4 = Quarter.of(date(2026, 11, 23))
    assert (q4.key, q4.start, q4.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert q4.shifted(1) == Quarter(2027, 1)
    assert Quarter(2026, 1).shifted(-1).end == date(2025, 12, 31)


def test_quick_picks_run_from_last_quarter_to_two_ahead() -> None:
    assert [q.key for q in quick_picks(date(2026, 11, 23))] == [
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]


def test_only_well_formed_keys_parse() -> None:
    assert Quarter.parse("2026-Q3") == Quarter(2026, 3)
    assert Quarter.parse("2026-Q5") is None
    assert Quarter.parse("custom") is None
