"""The models' indexes: none is redundant, so no write pays for an index no read needs."""

from sqlalchemy import Index, Table, UniqueConstraint

from nabd.model_registry import metadata


def _keys(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    """Each index and unique constraint of the table: its name and its leading columns."""
    found = [
        (str(index.name), tuple(column.name for column in index.columns))
        for index in table.indexes
        if isinstance(index, Index) and not index.dialect_options["postgresql"]["where"]
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
