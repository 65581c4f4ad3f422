"""Re-annotating a workspace after a model or taxonomy change, resumably.

Batches are keyset pages of the items whose annotation is missing or stale, each in its own
transaction: an interrupted run keeps every committed batch, and the next run's staleness
test skips them, so nothing is done twice. `--all` marks everything annotated before the run
started as stale; resuming it means passing that same start time again.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from nabd.core.db import transaction
from nabd.text.annotations_service import BATCH_SIZE, Staleness, annotate_items, stale_ids
from nabd.text.annotator import Annotator


def staleness_for(annotator: Annotator, *, annotated_before: datetime | None = None) -> Staleness:
    """Stale means: not made by this annotator (or made before `annotated_before`)."""
    return Staleness(
        model_version=annotator.model_version,
        taxonomy_version=annotator.taxonomy_version,
        annotated_before=annotated_before,
    )


def rescore_workspace(
    session_factory: sessionmaker[Session],
    *,
    workspace_id: int,
    annotator: Annotator,
    staleness: Staleness,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] = lambda done: None,
) -> int:
    """Annotate every stale item, one committed batch at a time; returns how many.

    One annotator for the whole run, so its taxonomy index and model load only once.
    """
    after_id, total = 0, 0
    while True:
        with transaction(session_factory) as session:
            ids = stale_ids(
                session,
                workspace_id=workspace_id,
                staleness=staleness,
                after_id=after_id,
                limit=batch_size,
            )
            if not ids:
                return total
            done = annotate_items(
                session, workspace_id=workspace_id, item_ids=ids, annotator=annotator
            )
        after_id = ids[-1]
        total += done
        on_batch(done)
