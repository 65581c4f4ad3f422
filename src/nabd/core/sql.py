"""SQL expressions that differ between SQLite and PostgreSQL, written once."""

from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement


def month_bucket(column: Any, dialect_name: str) -> ColumnElement[str]:
    """`YYYY-MM` of a UTC timestamp column."""
    if dialect_name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")
