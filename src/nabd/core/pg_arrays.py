"""PostgreSQL: arrays of a batch's ids and moments sent as parameters in the binary form the
server reads, built by numpy a batch at a time.

psycopg dumps a list parameter in Python, one dumper call and one length prefix per element:
for the seen UPDATE's two arrays of 500 ids and moments that, and SQLAlchemy's execution
around it, were a third of the statement's client CPU (bench/README.md, `pgnabd`). Here each
array is one `bytes` of the wire format (`array_recv`: dimensions, flags, element type, then
each element's length and value), which a dumper registered on the cursor passes as it is.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import repeat
from operator import floordiv, sub
from struct import Struct
from typing import Any

import numpy as np

INT8_OID, TIMESTAMPTZ_OID = 20, 1184
INT8_ARRAY_OID, TIMESTAMPTZ_ARRAY_OID = 1016, 1185
# One dimension, no NULLs, the element type; the dimension's length and lower bound (1).
_HEADER = Struct(">iiIii")
# An element: its length (8 bytes, both types) and its value, big-endian.
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">i8")])
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # timestamptz counts microseconds from it
_MICROSECOND = timedelta(microseconds=1)


class Int8Array(bytes):
    """A `bigint[]` parameter in binary form (`int8_array`)."""


class TimestamptzArray(bytes):
    """A `timestamptz[]` parameter in binary form (`timestamptz_array`)."""


def _array(values: Any, count: int, element_oid: int) -> bytes:
    elements = np.empty(count, _ELEMENT)
    elements["length"] = 8
    elements["value"] = values
    return _HEADER.pack(1, 0, element_oid, count, 1) + elements.tobytes()


def int8_array(values: Sequence[int]) -> Int8Array:
    """`values` (each within 64 bits) as a `bigint[]`."""
    return Int8Array(_array(np.array(values, np.int64), len(values), INT8_OID))


def microseconds_since(epoch: datetime, values: Sequence[datetime]) -> Any:
    """Timezone-aware `values` as microseconds since `epoch` (a numpy int64 array):
    `(value - epoch) // 1 µs` mapped in C, without a Python frame per value (a generator
    expression was over a third of `plain_rows.sqlite_moments` in the server)."""
    count = len(values)
    since = map(sub, values, repeat(epoch, count))
    return np.fromiter(map(floordiv, since, repeat(_MICROSECOND, count)), np.int64, count)


def timestamptz_array(values: Sequence[datetime]) -> TimestamptzArray:
    """Timezone-aware `values` as a `timestamptz[]`: microseconds since 2000-01-01 UTC, as
    psycopg's own dumper counts them."""
    micros = microseconds_since(_PG_EPOCH, values)
    return TimestamptzArray(_array(micros, len(values), TIMESTAMPTZ_OID))


@cache
def _dumpers() -> tuple[tuple[type, type], ...]:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class _Passed(Dumper):
        format = Format.BINARY

        def dump(self, obj: Any) -> Any:
            return obj  # the wire form already

    class _Int8ArrayDumper(_Passed):
        oid = INT8_ARRAY_OID

    class _TimestamptzArrayDumper(_Passed):
        oid = TIMESTAMPTZ_ARRAY_OID

    return ((Int8Array, _Int8ArrayDumper), (TimestamptzArray, _TimestamptzArrayDumper))


def register_binary_arrays(cursor: Any) -> None:
    """Let `cursor` (psycopg's) send `Int8Array` and `TimestamptzArray` parameters (`%b`)."""
    for kind, dumper in _dumpers():
        cursor.adapters.register_dumper(kind, dumper)
