"""Calendar quarters for the goal form's quick picks ("Q3 2026"). Pure."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int  # 1–4

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The quarter's last day."""
        return self.shifted(1).start - timedelta(days=1)

    def shifted(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, key: str) -> "Quarter | None":
        """ "2026-Q3" → Quarter(2026, 3); anything else → None."""
        year, separator, number = key.partition("-Q")
        if not (separator and year.isdigit() and number in {"1", "2", "3", "4"}):
            return None
        return cls(int(year), int(number))


def quick_picks(today: date) -> list[Quarter]:
    """The quarter just over, this one and the next two: what goals are usually set for."""
    current = Quarter.of(today)
    return [current.shifted(offset) for offset in range(-1, 3)]
