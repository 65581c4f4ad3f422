"""Which tables the snapshot holds, with which columns, and how each one is kept current.

Fact tables (events, transactions, feedback) only grow: they are appended by id, partitioned
by the UTC month of their time column. Dimension tables (customers, channels, touchpoints)
change in place and are small beside the facts, so each refresh rewrites them whole.
Personal columns stay out: no customer name or sort key, no client event or order number.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import JSON, Select, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute

from nabd.customers.models import Customer, CustomerSeen
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.journeys.models import Channel, Touchpoint
from nabd.segments.models import SegmentMembership
from nabd.surveys.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation

# Question types whose answers the survey metrics count (as in the rollups).
SCORE_KINDS = ("nps", "csat", "ces")

UTC_TIME = pa.timestamp("us", tz="UTC")
# A scored answer as the survey-metric slices filter and count it (survey, kind, score, place,
# language, time), in both tables that carry one: survey_scores and survey_score_topics.
_SCORE_FIELDS = [
    ("survey_id", pa.int64()),
    ("kind", pa.string()),
    ("score", pa.int64()),
    ("channel_id", pa.int64()),
    ("touchpoint_id", pa.int64()),
    ("language", pa.string()),
    ("submitted_at", UTC_TIME),
]
_SCORE_SOURCES: dict[str, Any] = {
    "survey_id": SurveyResponse.survey_id,
    "kind": SurveyQuestion.type,
    "score": SurveyAnswer.number,
    "channel_id": SurveyResponse.channel_id,
    "touchpoint_id": SurveyResponse.touchpoint_id,
    "language": SurveyResponse.language,
    "submitted_at": SurveyResponse.submitted_at,
}
ForgetRule = Literal["keep", "delete", "detach"]


@dataclass(frozen=True)
class SnapshotTable:
    name: str
    model: Any
    schema: pa.Schema
    # Facts: partition by the UTC month of this column and append by id. None: rewrite whole.
    month_column: str | None = None
    # The column set when the row was written, to hold back rows of unfinished transactions.
    settle_column: str | None = None
    # What erasing a customer does to their rows: as the database's erasure does.
    on_forget: ForgetRule = "keep"
    detached_values: dict[str, Any] = field(default_factory=dict)
    # Columns read from joined tables (name -> attribute), the joins, and extra conditions,
    # for a table assembled from several (survey scores: answer, response and question).
    column_sources: dict[str, Any] = field(default_factory=dict)
    joins: tuple[tuple[Any, Any], ...] = ()
    conditions: tuple[Any, ...] = ()
    # The column naming the customer, for erasure; default: `customer_id` in facts, `id` else.
    customer_column: str | None = None
    # The dimension's sort order when rewritten (tables without an `id`).
    order_columns: tuple[str, ...] = ("id",)
    # A fact whose source repeats rows: a new row whose values here were already exported to
    # its month (or earlier in the same refresh) is not written, so queries need no DISTINCT.
    unique_columns: tuple[str, ...] = ()

    @property
    def is_fact(self) -> bool:
        return self.month_column is not None

    @property
    def customer_key(self) -> str:
        if self.customer_column is not None:
            return self.customer_column
        return "customer_id" if self.is_fact else "id"

    def attribute(self, name: str) -> Any:
        """The SQL column behind an exported column."""
        return self.column_sources.get(name) or getattr(self.model, name)

    def scoped(self, statement: Select[Any], workspace_id: int) -> Select[Any]:
        """`statement` with this table's joins and conditions, limited to one workspace."""
        for target, onclause in self.joins:
            statement = statement.join(target, onclause)
        return statement.where(self.model.workspace_id == workspace_id, *self.conditions)

    def select_rows(self, workspace_id: int) -> Select[Any]:
        """The exported columns of one workspace; JSON is read as text, as it is stored."""
        columns: list[Any] = []
        for name in self.schema.names:
            attribute: InstrumentedAttribute[Any] = self.attribute(name)
            if isinstance(attribute.type, JSON):
                columns.append(cast(attribute, Text).label(name))
            else:
                columns.append(attribute.label(name))
        return self.scoped(select(*columns).select_from(self.model), workspace_id)


SNAPSHOT_TABLES: tuple[SnapshotTable, ...] = (
    SnapshotTable(
        name="customers",
        model=Customer,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("language", pa.string()),
                ("attributes", pa.string()),
                ("created_at", UTC_TIME),
                ("first_seen_at", UTC_TIME),
                ("last_seen_at", UTC_TIME),
                ("total_spend", pa.decimal128(14, 2)),
                ("spend_currency", pa.string()),
                ("order_count", pa.int64()),
                ("first_purchase_at", UTC_TIME),
                ("last_purchase_at", UTC_TIME),
            ]
        ),
        on_forget="delete",
        column_sources={
            "first_seen_at": CustomerSeen.first_seen_at,
            "last_seen_at": CustomerSeen.last_seen_at,
        },
        joins=((CustomerSeen, CustomerSeen.customer_id == Customer.id),),
    ),
    SnapshotTable(
        name="channels",
        model=Channel,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("key", pa.string()),
                ("name_ar", pa.string()),
                ("name_en", pa.string()),
            ]
        ),
    ),
    SnapshotTable(
        name="touchpoints",
        model=Touchpoint,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("channel_id", pa.int64()),
                ("key", pa.string()),
                ("name_ar", pa.string()),
                ("name_en", pa.string()),
            ]
        ),
    ),
    SnapshotTable(
        name="events",
        model=Event,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("type", pa.string()),
                ("channel_id", pa.int64()),
                ("touchpoint_id", pa.int64()),
                ("occurred_at", UTC_TIME),
                ("received_at", UTC_TIME),
                ("properties", pa.string()),
            ]
        ),
        month_column="occurred_at",
        settle_column="received_at",
        on_forget="detach",
        detached_values={"customer_id": None, "properties": "{}"},
    ),
    SnapshotTable(
        name="transactions",
        model=Transaction,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("amount", pa.decimal128(14, 2)),
                ("currency", pa.string()),
                ("channel_id", pa.int64()),
                ("category", pa.string()),
                ("occurred_at", UTC_TIME),
                ("created_at", UTC_TIME),
                ("items", pa.string()),
            ]
        ),
        month_column="occurred_at",
        settle_column="created_at",
        on_forget="detach",
        detached_values={"customer_id": None, "items": "[]"},
    ),
    SnapshotTable(
        name="feedback_items",
        model=FeedbackItem,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("source", pa.string()),
                ("channel_id", pa.int64()),
                ("touchpoint_id", pa.int64()),
                ("text", pa.string()),
                ("language", pa.string()),
                ("rating", pa.decimal128(6, 2)),
                ("rating_scale_max", pa.int32()),
                ("created_at", UTC_TIME),
                ("received_at", UTC_TIME),
                ("details", pa.string()),
            ]
        ),
        month_column="created_at",
        settle_column="received_at",
        on_forget="delete",
    ),
    # One row per scored answer (NPS, CSAT, CES) with its response's customer and place:
    # what segment slices of the survey metrics count. As the database's erasure does, an
    # erased customer's scores stay, detached.
    SnapshotTable(
        name="survey_scores",
        model=SurveyAnswer,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                *_SCORE_FIELDS,
                ("received_at", UTC_TIME),
            ]
        ),
        month_column="submitted_at",
        settle_column="received_at",
        on_forget="detach",
        detached_values={"customer_id": None},
        column_sources={
            **_SCORE_SOURCES,
            "customer_id": SurveyResponse.customer_id,
            "received_at": SurveyResponse.received_at,
        },
        joins=(
            (SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id),
            (SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id),
        ),
        conditions=(SurveyQuestion.type.in_(SCORE_KINDS), SurveyAnswer.number.is_not(None)),
    ),
    # One row per topic of a survey comment and scored answer of the same response, carrying
    # the answer's columns as survey_scores does: what topic slices of the survey metrics count,
    # with no join back to the scores. Appended by the topic row's id, in the month of the
    # response's `submitted_at`, held back until the annotation settles; a pair (answer, topic)
    # is written once (a response's two comments naming one topic, or a re-annotation, repeat
    # it). Re-annotating or correcting replaces topic rows with new ones: new pairs arrive at
    # the next refresh; an analyst's correction also removes the pairs that no longer hold
    # once it commits (`topic_pairs`), a model's re-annotation at the nightly rebuild. As the
    # database's erasure does, an erased customer's comments and topics go.
    SnapshotTable(
        name="survey_score_topics",
        model=AnnotationTopic,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("answer_id", pa.int64()),
                ("topic", pa.string()),
                ("customer_id", pa.int64()),
                *_SCORE_FIELDS,
                ("annotated_at", UTC_TIME),
            ]
        ),
        month_column="submitted_at",
        settle_column="annotated_at",
        on_forget="delete",
        column_sources={
            **_SCORE_SOURCES,
            "answer_id": SurveyAnswer.id,
            "customer_id": FeedbackItem.customer_id,
            "annotated_at": FeedbackAnnotation.annotated_at,
        },
        joins=(
            (FeedbackItem, FeedbackItem.id == AnnotationTopic.feedback_item_id),
            (
                FeedbackAnnotation,
                (FeedbackAnnotation.workspace_id == AnnotationTopic.workspace_id)
                & (FeedbackAnnotation.feedback_item_id == AnnotationTopic.feedback_item_id),
            ),
            # Only nabd's own survey ingestion writes "survey" items (the feedback API and
            # imports refuse the source), so `response_id` is one of the workspace's responses.
            # No workspace test on the answers here: SQLite would then scan the workspace's
            # answers per topic row instead of looking the response up.
            (
                SurveyAnswer,
                SurveyAnswer.response_id == FeedbackItem.details["response_id"].as_integer(),
            ),
            (SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id),
            (SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id),
        ),
        conditions=(
            FeedbackItem.source == "survey",
            SurveyQuestion.type.in_(SCORE_KINDS),
            SurveyAnswer.number.is_not(None),
        ),
        unique_columns=("answer_id", "topic"),
    ),
    # Segment membership as of each segment's last refresh, for segment slices.
    SnapshotTable(
        name="segment_memberships",
        model=SegmentMembership,
        schema=pa.schema([("segment_id", pa.int64()), ("customer_id", pa.int64())]),
        on_forget="delete",
        customer_column="customer_id",
        order_columns=("segment_id", "customer_id"),
    ),
)

TABLES_BY_NAME = {table.name: table for table in SNAPSHOT_TABLES}
