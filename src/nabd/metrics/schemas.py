"""The JSON shape of a metric: the same for every metric, grouped or not."""

from pydantic import BaseModel, Field

from nabd.metrics.shapes import MetricResult


class MetricGroupOut(BaseModel):
    key: str | None = Field(description="Period (2026-11, 2026-W48, 2026-Q4), channel key …")
    value: float | None
    n: int
    margin_of_error: float | None = Field(description="Half-width of the 95 % interval.")


class MetricOut(BaseModel):
    metric: str
    value: float | None = Field(description="None when nothing was measured (n = 0).")
    n: int
    margin_of_error: float | None = Field(description="Half-width of the 95 % interval.")
    groups: list[MetricGroupOut]

    @classmethod
    def of(cls, result: MetricResult) -> "MetricOut":
        return cls(
            metric=result.metric,
            value=result.value,
            n=result.n,
            margin_of_error=result.margin_of_error,
            groups=[
                MetricGroupOut(
                    key=group.key,
                    value=group.value,
                    n=group.n,
                    margin_of_error=group.margin_of_error,
                )
                for group in result.groups
            ],
        )
