"""The survey-metric rollup: answers counted per day and slice, kept in step with every write.

One row holds, for one workspace, UTC day of `submitted_at`, question (and so survey and
metric), channel, touchpoint and language, everything the survey metrics need: the answer
count, the NPS buckets, the top-2-box and agree counts, and the sum and sum of squares of the
scores. Scores are whole numbers, so every column is an exact integer and a rollup equals a
recomputation exactly. "No channel" and "no touchpoint" are stored as 0, because NULLs never
conflict in a unique key and the upsert needs them to.
"""

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base

NO_DIMENSION = 0


class MetricRollup(Base):
    """Answers to one NPS, CSAT or CES question on one day, channel, touchpoint and language."""

    __tablename__ = "metric_rollups"
    # The key leads with what every read filters on, so a dashboard's range is one contiguous
    # slice of the primary key (SQLite stores the table in key order: WITHOUT ROWID).
    __table_args__ = ({"sqlite_with_rowid": False},)

    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    # Follows from the question; stored so that reads need no join.
    survey_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    answer_count: Mapped[int] = mapped_column(BigInteger, default=0)
    promoters: Mapped[int] = mapped_column(BigInteger, default=0)
    passives: Mapped[int] = mapped_column(BigInteger, default=0)
    detractors: Mapped[int] = mapped_column(BigInteger, default=0)
    top_box: Mapped[int] = mapped_column(BigInteger, default=0)
    agree: Mapped[int] = mapped_column(BigInteger, default=0)
    score_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    score_sum_squares: Mapped[int] = mapped_column(BigInteger, default=0)
