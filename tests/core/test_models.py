"""The models' indexes: none is redundant, so no write pays for an index no read needs."""

from sqlalchemy import Index, Table, UniqueConstraint

from nabd.model_registry import metadata


def _predicate(index: Index, dialect: str) -> str | None:
    """A partial index's predicate on the dialect, as SQL text; None for a whole index."""
    where = index.dialect_options[dialect]["where"]
    return None if where is None else str(where)


def _keys(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    """Each index and unique constraint of the table that serves every row: its name and its
    leading columns (a partial index serves only the queries that imply its predicate)."""
    found = [
        (str(index.name), tuple(column.name for column in index.columns))
        for index in table.indexes
        if isinstance(index, Index) and _predicate(index, "postgresql") is None
    ]
    found += [
        (str(constraint.name), tuple(column.name for column in constraint.columns))
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return found


def test_no_index_is_a_prefix_of_another_index_of_its_table() -> None:
    redundant = []
    for table in metadata.sorted_tables:
        keys = _keys(table)
        for index in table.indexes:
            if index.unique:
                continue
            columns = tuple(column.name for column in index.columns)
            redundant += [
                f"{table.name}: {index.name} {columns} is served by {name} {other}"
                for name, other in keys
                if name != index.name and other[: len(columns)] == columns
            ]
    assert redundant == []


def test_a_partial_index_has_the_same_rows_on_sqlite_and_postgresql() -> None:
    differing = [
        f"{table.name}: {index.name}"
        for table in metadata.sorted_tables
        for index in table.indexes
        if _predicate(index, "sqlite") != _predicate(index, "postgresql")
    ]
    assert differing == []
