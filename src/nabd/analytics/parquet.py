"""Writing Parquet the same way everywhere: zstd, fixed schemas, atomic replacement."""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nabd.analytics.layout import temporary_path

COMPRESSION = "zstd"


def rows_to_table(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """Database rows (tuples in schema order) as an Arrow table of exactly that schema."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema.names]
    return pa.table(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


class StagedParquetFile:
    """A Parquet file written in pieces under a temporary name, then renamed into place."""

    def __init__(self, final_path: Path, schema: pa.Schema) -> None:
        final_path.parent.mkdir(parents=True, exist_ok=True)
        self.final_path = final_path
        self.temporary_path = temporary_path(final_path)
        self._writer = pq.ParquetWriter(self.temporary_path, schema, compression=COMPRESSION)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def publish(self, final_path: Path | None = None) -> Path:
        """Close the file and move it to its final name (which may be known only now)."""
        self._writer.close()
        target = final_path or self.final_path
        os.replace(self.temporary_path, target)
        return target

    def discard(self) -> None:
        self._writer.close()
        self.temporary_path.unlink(missing_ok=True)


def replace_file(path: Path, table: pa.Table) -> None:
    """Rewrite `path` with `table` atomically; an empty table removes the file."""
    if table.num_rows == 0:
        path.unlink(missing_ok=True)
        return
    staged = StagedParquetFile(path, table.schema)
    staged.write(table)
    staged.publish()
