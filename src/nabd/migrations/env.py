"""Alembic environment: migrates whichever database nabd is configured for."""

from typing import Any, Literal

from alembic import context
from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

from nabd.core.db import create_db_engine
from nabd.model_registry import metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations stay plain SQLAlchemy: a TypeDecorator is written as the type it wraps.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return repr(obj.impl).replace("DateTime(", "sa.DateTime(")
    if type_ == "type" and isinstance(obj, JSON) and obj._variant_mapping:
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run_migrations() -> None:
    engine = create_db_engine(config.attributes["database_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
