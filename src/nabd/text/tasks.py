"""Background annotation: new feedback on ingest, and a sweeper for anything missed.

Storing a text queues `annotate_feedback` for after the commit; if a worker dies, the queue is
unreachable or the process has no queue at all (a CLI import), the items simply stay
unannotated until `sweep_unannotated` finds them, every few minutes. Both only touch items
that still have no annotation, so running either twice does no harm.
"""

from collections.abc import Sequence

from huey import crontab
from sqlalchemy.orm import Session

from nabd.jobs.context import job_transaction
from nabd.jobs.enqueue import enqueue_after_commit
from nabd.jobs.queue import has_queue, huey
from nabd.text.annotations_service import (
    BATCH_SIZE,
    annotate_items,
    unannotated_ids,
    workspaces_with_unannotated,
)
from nabd.text.annotator import annotator_for

# One sweep annotates at most this many items per workspace, so a backlog (a huge import
# done from the CLI) is worked off over several runs instead of one endless task.
SWEEP_LIMIT_PER_WORKSPACE = 20 * BATCH_SIZE


_PENDING_KEY = "nabd.text.pending_annotation"


def annotate_soon(session: Session, *, workspace_id: int, item_ids: Sequence[int]) -> None:
    """Queue the annotation of new items for when `session` commits: one job per workspace
    and transaction, however many items the transaction stored.

    A process without a queue (the CLI, a script) leaves them to the sweeper instead of
    failing the commit that stored the customer's words.
    """
    if not has_queue():
        return
    if not session.in_transaction():
        session.begin()
    # One list per workspace and transaction, handed to the queue at commit and extended
    # until then; a new transaction (another root) starts new lists.
    transaction, pending = session.info.get(_PENDING_KEY, (None, {}))
    if transaction is not session.get_transaction():
        transaction, pending = session.get_transaction(), {}
        session.info[_PENDING_KEY] = (transaction, pending)
    if workspace_id not in pending:
        pending[workspace_id] = []
        enqueue_after_commit(session, annotate_feedback, workspace_id, pending[workspace_id])
    pending[workspace_id].extend(item_ids)


@huey.task(retries=3, retry_delay=30)
def annotate_feedback(workspace_id: int, item_ids: list[int]) -> int:
    """Annotate those of `item_ids` that still have no annotation, one transaction per batch."""
    with job_transaction() as session:
        annotator = annotator_for(session, workspace_id=workspace_id)
    done = 0
    for start in range(0, len(item_ids), BATCH_SIZE):
        batch = item_ids[start : start + BATCH_SIZE]
        with job_transaction() as session:
            missing = unannotated_ids(
                session, workspace_id=workspace_id, item_ids=batch, limit=len(batch)
            )
            done += annotate_items(
                session, workspace_id=workspace_id, item_ids=missing, annotator=annotator
            )
    return done


@huey.periodic_task(crontab(minute="*/5"))
def sweep_unannotated() -> int:
    """Annotate items no job annotated, workspace by workspace, one transaction per batch."""
    with job_transaction() as session:
        workspace_ids = workspaces_with_unannotated(session)
    done = 0
    for workspace_id in workspace_ids:
        done += annotate_backlog(workspace_id)
    return done


def annotate_backlog(workspace_id: int, *, limit: int = SWEEP_LIMIT_PER_WORKSPACE) -> int:
    """Up to `limit` unannotated items of one workspace, batch by batch."""
    with job_transaction() as session:
        annotator = annotator_for(session, workspace_id=workspace_id)
    done = 0
    while done < limit:
        with job_transaction() as session:
            ids = unannotated_ids(
                session, workspace_id=workspace_id, limit=min(BATCH_SIZE, limit - done)
            )
            if not ids:
                break
            done += annotate_items(
                session, workspace_id=workspace_id, item_ids=ids, annotator=annotator
            )
    return done
