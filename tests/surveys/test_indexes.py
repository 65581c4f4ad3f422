"""The partial index of responses' invitations (migration 0021) serves every query of them,
those queries find what they found before (only rows that have an invitation), and the
migration can be resumed."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from nabd.core.migrations import downgrade_database, upgrade_database
from nabd.core.types import utcnow
from nabd.surveys.invitations import has_response
from nabd.surveys.models import SurveyDistribution, SurveyInvitation, SurveyResponse
from tests.databases import database_at, index_states, run_autocommit
from tests.factories import make_workspace
from tests.surveys.factories import make_link, make_survey

INVITATION_INDEXES = ["ix_survey_responses_invitation_id", "ix_survey_responses_invited"]


def _plan(engine: Engine, sql: str) -> str:
    with engine.connect() as connection:
        return " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def _response(session: Session, survey_id: int, workspace_id: int, link_id: int | None) -> int:
    now = utcnow()
    response = SurveyResponse(
        workspace_id=workspace_id,
        survey_id=survey_id,
        invitation_id=link_id,
        language="ar",
        completed=True,
        submitted_at=now,
        completed_at=now,
    )
    session.add(response)
    session.flush()
    return response.id


def test_sqlite_reads_the_partial_index_for_the_answered_invitations(engine: Engine) -> None:
    # `has_response`, as `sync_answered` and the invitations' list ask it.
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL's is checked below")
    query = select(SurveyInvitation.id).where(SurveyInvitation.workspace_id == 1, has_response())
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    assert "INDEX ix_survey_responses_invited (invitation_id=?)" in _plan(engine, sql)


def test_postgresql_finds_a_deleted_links_responses_by_the_partial_index(
    engine: Engine,
) -> None:
    # The statement PostgreSQL's ON DELETE SET NULL runs (ri_triggers.c), as a generic plan:
    # `$1 = invitation_id` implies `invitation_id IS NOT NULL` for any $1.
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's foreign-key action")
    with engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql(
            "PREPARE set_null (bigint) AS UPDATE ONLY survey_responses "
            "SET invitation_id = NULL WHERE $1 OPERATOR(pg_catalog.=) invitation_id"
        )
        plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN EXECUTE set_null(1)"))
        connection.rollback()
    assert "ix_survey_responses_invited" in plan


def test_responses_without_an_invitation_count_for_none_and_a_deleted_link_keeps_its_own(
    session: Session,
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    link, other = make_link(session, survey), make_link(session, survey)
    answered = _response(session, survey.id, workspace.id, link.id)
    unlinked = [_response(session, survey.id, workspace.id, None) for _ in range(3)]
    session.commit()

    linked = select(SurveyResponse.id).where(SurveyResponse.invitation_id == link.id)
    assert session.scalars(linked).all() == [answered]
    assert (
        session.scalars(
            select(SurveyResponse.id).where(SurveyResponse.invitation_id == other.id)
        ).all()
        == []
    )

    session.execute(delete(SurveyDistribution).where(SurveyDistribution.id == link.id))
    session.commit()
    session.expire_all()
    kept = session.scalars(select(SurveyResponse.id).order_by(SurveyResponse.id)).all()
    assert kept == sorted([answered, *unlinked])
    assert session.get_one(SurveyResponse, answered).invitation_id is None


@pytest.fixture
def database_at_0020(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to just before 0021."""
    if not database_url.startswith("postgresql"):
        pytest.skip("CREATE/DROP INDEX CONCURRENTLY is PostgreSQL's")
    with database_at(database_url, "0020") as url:
        yield url


def _invitation_indexes(url: str) -> dict[str, tuple[bool, str]]:
    return index_states(url, "c.relname = ANY(:names)", {"names": INVITATION_INDEXES})


def test_0021_rebuilds_the_invalid_partial_index_a_failed_build_left(
    database_at_0020: str,
) -> None:
    # What a cancelled `CREATE INDEX CONCURRENTLY` leaves: an index of that name, not valid.
    run_autocommit(
        database_at_0020,
        "CREATE INDEX CONCURRENTLY ix_survey_responses_invited ON survey_responses (invitation_id)",
    )
    run_autocommit(
        database_at_0020,
        "UPDATE pg_index SET indisvalid = false "
        "WHERE indexrelid = 'ix_survey_responses_invited'::regclass",
    )
    upgrade_database(database_at_0020)
    [(name, (valid, definition))] = _invitation_indexes(database_at_0020).items()
    assert name == "ix_survey_responses_invited" and valid
    assert definition.endswith("(invitation_id) WHERE (invitation_id IS NOT NULL)"), definition
    downgrade_database(database_at_0020, "0020")
    [(name, (valid, definition))] = _invitation_indexes(database_at_0020).items()
    assert name == "ix_survey_responses_invitation_id" and valid
    assert definition.endswith("USING btree (invitation_id)"), definition
