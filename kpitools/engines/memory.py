"""Frames whose rows are already in memory: their columns as NumPy codes, counted here.

A Polars DataFrame, a PyArrow Table, or a Polars LazyFrame that only wraps an in-memory
DataFrame (``df.lazy()``) holds its columns as Arrow buffers in this process. At a million
rows the fixed cost of an engine query (planning, a hash ``GROUP BY``, its result brought
to pandas) is larger than counting the columns' integer codes with NumPy, so
`kpitools.engines.frames.frequency_table` and the durations of
`kpitools.engines.statistics` take these frames' columns as NumPy arrays (zero-copy where
Arrow allows: dictionary / Categorical codes, integers without nulls) and count them with
one ``bincount`` of the combined codes.

The rule (`eager_columns`): only frames whose rows are in memory already — never a
LazyFrame that scans files or runs a query (``pl.scan_parquet(...)``, a filter, a join),
which keeps the engine's own ``GROUP BY`` and so its bounded memory — and only while the
NumPy temporaries fit in memory: a few bytes a row for the category counts
(`counted_max_rows`), about 64 for the durations' order statistics (`ranked_max_rows`).
Both pass over the rows in one thread per core from a few million rows on, and both beat
the engines' queries at every size measured (median FRT by 100k teams at 50M rows: 15–20 s
through the engines, 3.5–4.2 s here).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core import parallel

__all__ = ["MAX_ROWS", "GROUP", "ranked_max_rows", "counted_max_rows", "eager_columns",
           "fetched_by_group", "fetched_coded", "quoted_name", "column_codes",
           "combined_codes", "CodeCounts",
           "frequency_codes", "values_of_codes", "native_frame", "pandas_frame",
           "native_to_pandas",
           "frequency_values",
           "take_rows", "any_rows", "raw_integers"]

#: Rows up to which an in-memory frame is always taken here (2²²; beyond: while the
#: temporaries fit in memory); negative: never (the engines' queries).
MAX_ROWS = 1 << 22
#: Bytes of NumPy temporaries per row of the durations' path (`ranked_max_rows`): the
#: status and duration computed (16), the rows' group (16), their cell (4), masks; 64 with
#: a DuckDB table's key fetched as text.
RANKED_BYTES_PER_ROW = 64


def ranked_max_rows() -> int:
    """Rows up to which the durations of an in-memory frame are ranked with NumPy: as many
    as `RANKED_BYTES_PER_ROW` each fit in half the memory available now (`_rows_that_fit`),
    and at least `MAX_ROWS`. A negative `MAX_ROWS` turns this path off too (the engines'
    queries).

    >>> ranked_max_rows() >= MAX_ROWS
    True
    """
    return _rows_that_fit(RANKED_BYTES_PER_ROW)


#: Bytes of NumPy temporaries per row of the category counts (`counted_max_rows`): codes
#: copied where a column has missing values or does not start at 0
COUNTED_BYTES_PER_ROW = 16


def counted_max_rows() -> int:
    """Rows up to which the answers of an in-memory frame are counted with NumPy (as
    `ranked_max_rows`, `COUNTED_BYTES_PER_ROW` a row). Counted block by block, one part of
    the rows per core from `_THREADED_FROM` rows on: NPS by 400 groups at 10M rows
    40–75 ms here against 55–95 ms through Polars' or Arrow's ``GROUP BY``, at 50M
    0.19–0.28 s against 0.27–0.32 s (2 cores).

    >>> counted_max_rows() >= MAX_ROWS
    True
    """
    return _rows_that_fit(COUNTED_BYTES_PER_ROW)


def _rows_that_fit(bytes_per_row: int) -> int:
    """Rows whose ``bytes_per_row`` fit in half the memory available now (Linux'
    ``MemAvailable``; elsewhere half the physical memory), at least `MAX_ROWS`; `MAX_ROWS`
    itself when negative."""
    if MAX_ROWS < 0:
        return MAX_ROWS
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if available is None:
        try:
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
        except (ValueError, OSError, AttributeError):
            available = 0
    return max(MAX_ROWS, available // 2 // bytes_per_row)


#: Combined codes (product of the columns' code ranges) counted by one dense ``bincount``.
_MAX_SPACE = 1 << 22


def eager_columns(obj: Any, keys: list[str], columns: dict[str, Any], *,
                  max_rows: int | None = None) -> nw.DataFrame[Any] | None:
    """The columns ``keys`` and ``columns`` (name → Narwhals expression, or the name of a
    column taken as it is) of an in-memory frame, computed eagerly.

    Returns a Narwhals DataFrame (Polars or PyArrow) of those columns only, or None when
    ``obj`` is not a Polars DataFrame, a PyArrow Table or a Polars LazyFrame whose plan is a
    bare in-memory DataFrame, or has more than ``max_rows`` rows (default `MAX_ROWS`).
    (A DuckDB table: `fetched_by_group`.)
    """
    limit = MAX_ROWS if max_rows is None else max_rows
    frame = nw.from_native(obj, pass_through=True)
    impl = getattr(frame, "implementation", None)
    if impl is None or not (impl.is_polars() or impl.is_pyarrow()):
        return None
    if isinstance(frame, nw.LazyFrame):
        native = frame.to_native()
        try:
            plan = native.explain(optimized=False)
        except Exception:  # noqa: BLE001 — no plan: leave it to the engine
            return None
        if "\n" in plan or not plan.startswith("DF ["):
            return None  # files, a filter, a join ...: the engine's own GROUP BY
        frame = nw.from_native(native.collect(), eager_only=True)
    if not isinstance(frame, nw.DataFrame) or len(frame) > limit:
        return None
    if all(isinstance(c, str) for c in columns.values()):
        return _renamed(frame, keys, columns)
    if frame.implementation.is_pyarrow():
        got = _arrow_by_polars(frame.to_native(), keys, columns)
        if got is not None:
            return got
    try:
        return frame.select(*keys, **columns)
    except Exception:  # noqa: BLE001 — an expression this backend refuses: the engine
        return None


def _renamed(frame: nw.DataFrame[Any], keys: list[str], columns: dict[str, str]
             ) -> nw.DataFrame[Any] | None:
    """``keys`` and the columns ``columns`` names (new name → column) of a Polars or
    PyArrow frame, without a copy; None when a column is not there."""
    native = frame.to_native()
    try:
        if frame.implementation.is_pyarrow():
            taken = native.select([*keys, *columns.values()])
            return nw.from_native(taken.rename_columns([*keys, *columns]), eager_only=True)
        import polars as pl

        # the Series themselves (no query: ~0.01 ms against ~0.25 for a select)
        return nw.from_native(pl.DataFrame(
            [*(native.get_column(key) for key in keys),
             *(native.get_column(old).alias(new) for new, old in columns.items())]),
            eager_only=True)
    except Exception:  # noqa: BLE001 — a column that is not there: the engine says so
        return None


#: The column of `fetched_by_group` holding each row's group
GROUP = "__kpitools_group"


def quoted_name(name: str) -> str:
    """``name`` as a SQL identifier in double quotes.

    >>> print(quoted_name('a"b'))
    "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def fetched_by_group(obj: Any, keys: list[str], columns: dict[str, Any], *,
                     max_rows: int) -> tuple[nw.DataFrame[Any], pd.DataFrame] | None:
    """The ``columns`` (name → Narwhals expression) of a DuckDB table relation computed by
    DuckDB and fetched as Arrow, with each row's group as one integer instead of its keys.

    Only a table of the database or an Arrow table it holds (not a query, a view of files,
    a filter ...) of at most ``max_rows`` rows. The distinct key combinations are fetched
    first (``SELECT DISTINCT``, a small table) and numbered; DuckDB joins the rows to them
    on the keys (a missing key equal to a missing key), so no key text per row comes to
    Python (50M rows × 100k teams: ~2 s, against ~6 s for the text fetched and
    dictionary-encoded).

    Returns the columns and `GROUP` (``0..G−1``, int32) as a Narwhals frame, and the G
    distinct combinations as pandas (row g: group g; without keys one row when there
    are rows); None when it does not apply.
    """
    table_rows = _table_rows(obj, max_rows)
    if table_rows is None:
        return None
    frame, rows = table_rows
    import pyarrow as pa

    native = frame.to_native()
    try:
        computed = frame.select(*keys, **columns).to_native()
        names = ", ".join(f"r.{quoted_name(c)}" for c in columns)
        if not keys:
            table = computed.query("__kpitools_rows", (
                f"SELECT 0::INTEGER AS {GROUP}, {names} FROM __kpitools_rows r")
            ).to_arrow_table()
            groups = pd.DataFrame(index=pd.RangeIndex(1 if rows else 0))
            return nw.from_native(table, eager_only=True), groups
        quoted = [quoted_name(k) for k in keys]
        distinct = native.query("__kpitools_rows", (
            f"SELECT DISTINCT {', '.join(quoted)} FROM __kpitools_rows")).to_arrow_table()
        kpitools_groups = distinct.append_column(  # noqa: F841 — read by the SQL below
            GROUP, pa.array(np.arange(distinct.num_rows, dtype=np.int32)))
        on = " AND ".join(f"r.{k} IS NOT DISTINCT FROM n.{k}" for k in quoted)
        table = computed.query("__kpitools_rows", (
            f"SELECT n.{GROUP}, {names} FROM __kpitools_rows r "
            f"JOIN kpitools_groups n ON {on}")).to_arrow_table()
    except Exception:  # noqa: BLE001 — a relation DuckDB cannot count or fetch: the engine
        return None
    if table.num_rows != rows:
        return None
    groups = nw.from_native(distinct, eager_only=True).to_pandas().reset_index(drop=True)
    return nw.from_native(table, eager_only=True), groups


def fetched_coded(obj: Any, keys: list[str], columns: dict[str, Any], *,
                  max_rows: int) -> nw.DataFrame[Any] | None:
    """The ``keys`` and ``columns`` (name → Narwhals expression) of a DuckDB table
    relation computed by DuckDB and fetched as Arrow, when every key is an ENUM, a whole
    number or yes/no: such keys come as dictionary codes or numbers (one to eight bytes a
    row), coded here as an in-memory frame's are (no join to number the groups:
    `fetched_by_group` is for text keys). Only a table of at most ``max_rows`` rows; None
    otherwise."""
    frame = nw.from_native(obj, pass_through=True)
    if not isinstance(frame, nw.LazyFrame) or not frame.implementation.is_duckdb():
        return None
    try:
        schema = frame.collect_schema()
    except Exception:  # noqa: BLE001 — no schema: the engine
        return None
    if not all(schema[k] == nw.Enum or schema[k] == nw.Boolean or schema[k].is_integer()
               for k in keys):
        return None
    table_rows = _table_rows(obj, max_rows)
    if table_rows is None:
        return None
    try:
        table = frame.select(*keys, **columns).to_native().to_arrow_table()
    except Exception:  # noqa: BLE001 — columns DuckDB cannot compute: the engine
        return None
    return nw.from_native(table, eager_only=True) if table.num_rows == table_rows[1] else None


def _table_rows(obj: Any, max_rows: int) -> tuple[nw.LazyFrame[Any], int] | None:
    """A DuckDB table relation (not a query, a view of files, a filter ...) of at most
    ``max_rows`` rows as a Narwhals frame, and its number of rows; None otherwise."""
    frame = nw.from_native(obj, pass_through=True)
    if not isinstance(frame, nw.LazyFrame) or not frame.implementation.is_duckdb():
        return None
    native = frame.to_native()
    try:
        if str(native.type) != "TABLE_RELATION":
            return None
        rows = native.query("__kpitools_rows", "SELECT count(*) FROM __kpitools_rows"
                            ).fetchall()[0][0]
    except Exception:  # noqa: BLE001 — a relation DuckDB cannot count: the engine
        return None
    return (frame, int(rows)) if rows <= max_rows else None


def _arrow_by_polars(table: Any, keys: list[str], columns: dict[str, Any]
                     ) -> nw.DataFrame[Any] | None:
    """``keys`` of an Arrow table as they are, and ``columns`` evaluated by Polars on its
    numeric and temporal columns (zero-copy; Narwhals' Arrow backend evaluates ``when``
    chains slowly); None without Polars or when an expression reads another column (text,
    dictionaries: then Narwhals)."""
    try:
        import polars as pl
        import pyarrow as pa
    except ImportError:  # pragma: no cover - Polars is in the engines extra
        return None
    numeric = [f.name for f in table.schema
               if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
               or pa.types.is_temporal(f.type) or pa.types.is_boolean(f.type)]
    try:
        polars_frame = pl.from_arrow(table.select(numeric))
        if not isinstance(polars_frame, pl.DataFrame):
            return None
        done = nw.from_native(polars_frame, eager_only=True).select(**columns).to_native()
    except Exception:  # noqa: BLE001 — reads a column Polars was not given: Narwhals
        return None
    arrays = {key: table.column(key) for key in keys}
    arrays.update({name: done.get_column(name).to_arrow() for name in columns})
    return nw.from_native(pa.table(arrays), eager_only=True)


def _integer_codes(values: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Codes 0..span−1 of integers (``value − min``), span for a missing value."""
    if values.dtype == np.uint64 and values.size and int(values.max()) >= 2**63:
        return values, _MAX_SPACE + 1  # too wide: the engine
    values = values.astype(np.int64, copy=False)
    if valid is not None and not valid.all():
        if not valid.any():
            return np.zeros(values.size, dtype=np.int64), 1
        lo, hi = int(values.min(where=valid, initial=np.iinfo(np.int64).max)), \
            int(values.max(where=valid, initial=np.iinfo(np.int64).min))
        span = hi - lo + 1
        codes = values - lo
        codes[~valid] = span
        return codes, span + 1
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), 1
    lo, hi = int(values.min()), int(values.max())
    return (values - lo if lo else values), hi - lo + 1


def column_codes(series: nw.Series[Any]) -> tuple[np.ndarray, int] | None:
    """Integer codes of a column's values (equal values, equal codes; missing its own code)
    and the number of codes, or None for a type counted by the engine (floats, text of a
    PyArrow column with several dictionaries, ...) or a range too wide."""
    native = series.to_native()
    if series.implementation.is_polars():
        return _polars_codes(native)
    return _arrow_codes(native)


def _polars_codes(s: Any) -> tuple[np.ndarray, int] | None:
    import polars as pl

    dtype = s.dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        phys = s.to_physical()
        space = int(phys.max() or 0) + 1 if phys.len() > phys.null_count() else 1
        if phys.null_count():
            phys = phys.fill_null(space)
            space += 1
        return phys.to_numpy(), space
    if dtype == pl.Boolean:
        s = s.cast(pl.UInt8)
        dtype = s.dtype
    if dtype.is_integer():
        if s.null_count():
            valid = s.is_not_null().to_numpy()
            values = s.fill_null(0).to_numpy()
        else:
            valid, values = None, s.to_numpy()
        codes, space = _integer_codes(values, valid)
        return (codes, space) if space <= _MAX_SPACE else None
    if dtype == pl.String:
        return _arrow_codes(s.to_arrow())
    return None


def _arrow_codes(column: Any) -> tuple[np.ndarray, int] | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        chunks = column.chunks
        kind = column.type
    else:
        chunks, kind = [column], column.type
    if pa.types.is_dictionary(kind):
        if chunks and any(not c.dictionary.equals(chunks[0].dictionary) for c in chunks):
            return None
        size = len(chunks[0].dictionary) if chunks else 0
        indices = pa.chunked_array([c.indices for c in chunks], type=kind.index_type)
        if indices.null_count:
            indices = indices.fill_null(size)
            size += 1
        return np.asarray(indices.to_numpy()), max(size, 1)
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
        array = pa.chunked_array(chunks, type=kind)
        if pa.types.is_boolean(kind):
            array = array.cast(pa.uint8())
        if array.null_count:
            valid = np.asarray(array.is_valid().to_numpy())
            values = np.asarray(array.fill_null(0).to_numpy())
        else:
            valid, values = None, np.asarray(array.to_numpy())
        codes, space = _integer_codes(values, valid)
        return (codes, space) if space <= _MAX_SPACE else None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=kind)).combine_chunks()
        size = len(encoded.dictionary)
        indices = encoded.indices
        if indices.null_count:
            indices = indices.fill_null(size)
            size += 1
        return np.asarray(indices.to_numpy()), max(size, 1)
    return None


def _code_parts(frame: nw.DataFrame[Any], names: list[str]
                ) -> tuple[list[tuple[np.ndarray, int]], int] | None:
    """Each column's codes and number of codes (sparse ones renumbered when the product
    passes `_MAX_SPACE`), and the product; None when `combined_codes` does not apply."""
    parts = []
    for name in names:
        got = column_codes(frame.get_column(name))
        if got is None:
            return None
        parts.append(got)
    space = 1
    for _, size in parts:
        space *= size
    if space > _MAX_SPACE:  # sparse codes (e.g. Polars' global categories): renumber
        dense = []
        for codes, size in parts:
            seen = np.bincount(codes, minlength=size) > 0
            number = np.cumsum(seen) - 1
            dense.append((number[codes], int(seen.sum())))
        parts = dense
        space = int(np.prod([size for _, size in parts], dtype=np.float64))
        if space > _MAX_SPACE:
            return None
    return parts, max(space, 1)


def _combine(parts: list[tuple[np.ndarray, int]], start: int, stop: int,
             out: np.ndarray) -> np.ndarray:
    """The combined codes of rows ``start:stop`` written into ``out`` (int64)."""
    np.copyto(out, parts[0][0][start:stop], casting="unsafe")
    for codes, size in parts[1:]:
        out *= size
        out += codes[start:stop]
    return out


def combined_codes(frame: nw.DataFrame[Any], names: list[str]
                   ) -> tuple[np.ndarray, int] | None:
    """One code per row for the combination of ``names`` (dense within the product of the
    columns' code ranges), and that product; None when a column has no codes here or the
    product passes `_MAX_SPACE` (a column's unused codes dropped first)."""
    got = _code_parts(frame, names)
    if got is None:
        return None
    parts, space = got
    rows = len(frame)
    if not parts:
        return np.zeros(rows, dtype=np.int64), 1
    return _combine(parts, 0, rows, np.empty(rows, dtype=np.int64)), space


class CodeCounts(NamedTuple):
    """The combinations of some columns that occur, as codes (`frequency_codes`)."""

    #: Each occurring combination's position in the product of the columns' code ranges,
    #: increasing
    present: np.ndarray
    #: How many rows hold each (int64)
    counts: np.ndarray
    #: Each column's codes (one per row) and number of codes
    parts: list[tuple[np.ndarray, int]]

    def columns(self) -> tuple[np.ndarray, ...]:
        """Each column's code in each occurring combination."""
        return np.unravel_index(self.present, [size for _, size in self.parts])


def frequency_codes(frame: nw.DataFrame[Any], names: list[str],
                    weights: np.ndarray | None = None) -> CodeCounts | None:
    """The combinations of ``names`` that occur and how many rows hold each, counted on
    the columns' codes (`column_codes`); None when `combined_codes` does not apply.

    With ``weights`` (whole numbers ≥ 0, one per row: a table of counts, e.g. an engine's
    ``GROUP BY``) each combination's count is the sum of its rows' weights, and a
    combination whose weights sum to 0 is left out.

    With few combinations (at most `_BLOCK`) the rows are combined and counted block by
    block (the blocks stay in the cache; no row-sized temporary), in one part per core
    from `_THREADED_FROM` rows (the parts' counts are added: the result does not depend
    on the number of threads)."""
    got = _code_parts(frame, names)
    if got is None:
        return None
    parts, space = got
    rows = len(frame)
    if space > _BLOCK or not parts or weights is not None:
        combined = (_combine(parts, 0, rows, np.empty(rows, dtype=np.int64)) if parts
                    else np.zeros(rows, dtype=np.int64))
        # summed weights are whole numbers held exactly in float64: `astype` below keeps them
        counts = np.bincount(combined, weights=weights, minlength=space)
    else:
        # in threads, larger blocks: fewer hand-overs of the GIL between the parts (10M
        # rows in 2 threads: 15 ms against 20 with the blocks of one thread); below
        # `_THREADED_FROM` one thread is as fast, the data coming from memory either way
        threaded = rows >= _THREADED_FROM and parallel.cores() > 1
        size = _THREADED_BLOCK if threaded else _BLOCK

        def count(first: int, last: int) -> np.ndarray:
            part = np.zeros(space, dtype=np.int64)
            buf = np.empty(min(last - first, size), dtype=np.int64)
            for start in range(first, last, size):
                stop = min(start + size, last)
                part += np.bincount(_combine(parts, start, stop, buf[:stop - start]),
                                    minlength=space)
            return part
        done = parallel.by_parts(rows, count, block=size, threaded_from=_THREADED_FROM)
        counts = done[0]
        for more in done[1:]:
            counts += more
    present = np.flatnonzero(counts)
    return CodeCounts(present, counts[present].astype(np.int64), parts)


def values_of_codes(frame: nw.DataFrame[Any], name: str, codes: np.ndarray,
                    column_codes: tuple[np.ndarray, int]) -> Any:
    """Column ``name``'s value for each of ``codes`` (its codes, as `column_codes` gives
    them), as a native Polars Series or Arrow ChunkedArray of the column's type: taken from
    a row holding each code (`_rows_of_codes`)."""
    at = _rows_of_codes(column_codes[0], column_codes[1], codes)
    native = frame.to_native()
    if frame.implementation.is_polars():
        return native.get_column(name)[at]
    return native.column(name).take(at)


def native_to_pandas(values: Any) -> pd.Series:
    """A Polars Series or Arrow ChunkedArray as pandas, converted as in a frame."""
    out = values.to_pandas()
    return out.reset_index(drop=True) if isinstance(out, pd.Series) else pd.Series(out)


def pandas_frame(frame: nw.DataFrame[Any], columns: dict[str, Any]) -> pd.DataFrame:
    """Native columns of the engine of ``frame`` (Polars or PyArrow) as one pandas frame,
    converted as the engine converts a frame (``to_pandas``)."""
    if frame.implementation.is_polars():
        import polars as pl

        out = pl.DataFrame(columns).to_pandas()
    else:
        import pyarrow as pa

        out = pa.table(columns).to_pandas()
    return out.reset_index(drop=True)


def native_frame(frame: nw.DataFrame[Any], columns: dict[str, Any]) -> nw.DataFrame[Any]:
    """A frame of the engine of ``frame`` (Polars or PyArrow) from native columns."""
    if frame.implementation.is_polars():
        import polars as pl

        return nw.from_native(pl.DataFrame(columns), eager_only=True)
    import pyarrow as pa

    return nw.from_native(pa.table(columns), eager_only=True)


def frequency_values(frame: nw.DataFrame[Any], names: list[str]
                     ) -> tuple[nw.DataFrame[Any], np.ndarray] | None:
    """Each distinct combination of ``names`` (one row, the columns ``names`` with their
    types) and how many rows hold it, in the order of the combined codes
    (`frequency_codes`); None when `combined_codes` does not apply. Each column's value is
    taken from a row holding its code, so no row has to hold the whole combination.

    >>> import polars as pl
    >>> f = nw.from_native(pl.DataFrame({"t": ["b", "a", "b"], "s": [9, 9, 9]}),
    ...                    eager_only=True)
    >>> values, counts = frequency_values(f, ["t", "s"])
    >>> values.to_native().to_dict(as_series=False), counts.tolist()
    ({'t': ['b', 'a'], 's': [9, 9]}, [2, 1])
    """
    got = frequency_codes(frame, names)
    if got is None:
        return None
    if not got.parts:
        return take_rows(frame.select(names), np.zeros(got.present.size, dtype=np.int64)), \
            got.counts
    taken = {name: values_of_codes(frame, name, codes, part)
             for name, part, codes in zip(names, got.parts, got.columns(), strict=True)}
    return native_frame(frame, taken), got.counts


def _rows_of_codes(codes: np.ndarray, size: int, wanted: np.ndarray) -> np.ndarray:
    """For each of the ``wanted`` codes (each held by some row of ``codes``, codes below
    ``size``), a row holding it: the rows are scattered block by block up to the block
    after which every wanted code has one (usually the first)."""
    row = np.full(size, -1, dtype=np.int64)
    needed = np.unique(wanted)
    start, step = 0, 1 << 10
    while start < codes.size:  # blocks of 1k, 2k, 4k ... rows: most codes come early
        block = codes[start:start + step]
        row[block] = np.arange(start, start + block.size, dtype=np.int64)
        start += block.size
        if row[needed].min(initial=0) >= 0:
            break
        step = min(2 * step, _BLOCK)
    return row[wanted]


#: Rows per block of `any_rows` and `frequency_values`
_BLOCK = 1 << 16
#: Rows from which `frequency_codes` counts the blocks in threads (one part per core),
#: in blocks of `_THREADED_BLOCK` rows (NPS by 400 groups, 2 cores, against one thread:
#: 1M rows 7.9 ms against 7.3, 4M 17.9 against 18.6, 10M 40 against 46)
_THREADED_FROM = 1 << 22
_THREADED_BLOCK = 1 << 18


def any_rows(combined: np.ndarray, space: int, present: np.ndarray) -> np.ndarray:
    """One row holding each of the ``present`` codes of ``combined`` (codes below
    ``space``; `_rows_of_codes`)."""
    return _rows_of_codes(combined, space, present)


def take_rows(frame: nw.DataFrame[Any], rows: np.ndarray) -> nw.DataFrame[Any]:
    """The rows ``rows`` (positions) of a Polars or PyArrow frame, same columns and types."""
    native = frame.to_native()
    if frame.implementation.is_polars():
        return nw.from_native(native[rows], eager_only=True)
    return nw.from_native(native.take(rows), eager_only=True)


def raw_integers(series: nw.Series[Any]) -> np.ndarray | None:
    """An integer column's values without a copy where Arrow allows (one chunk): a
    missing value's slot holds whatever integer its buffer has (read only the rows known
    not to be missing); None for another type."""
    if not series.dtype.is_integer():
        return None
    native = series.to_native()
    if series.implementation.is_polars():
        native = native.rechunk().to_arrow() if native.n_chunks() > 1 else native.to_arrow()
    import pyarrow as pa

    array = native.combine_chunks() if isinstance(native, pa.ChunkedArray) else native
    if array.null_count == 0:
        return np.asarray(array.to_numpy(zero_copy_only=False))
    data = array.buffers()[1]
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(data, dtype=dtype, count=len(array) + array.offset)[array.offset:]
