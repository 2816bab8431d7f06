"""A Parquet folder or a ``.duckdb`` file read as a data set: checked and trimmed in DuckDB.

`read_warehouse` is `kpitools.datasets.read_service_data` for data that stay on disk
(`kpitools.engines.duckdb_tables`): each table of the schema (`kpitools.tables.schema`) is
checked by DuckDB — required columns, values that are not numbers, dates or yes/no, scores
outside their scale, fractions in counts, quarter labels that are not quarters, missing values
in required columns — with one aggregate query per table, and only our columns of the rows
that pass come to pandas, typed as the CSV reader types them (whole numbers as ``int64`` or
``Int64``, flags as ``bool`` or ``boolean``, times as ``datetime64``). Every problem is
counted and its first rows listed, in the same data-quality table as the CSV reader's
(`kpitools.datasets.quality`): a bad value in a required column excludes its row, in an
optional column it becomes missing; more than ``max_excluded_share`` of a table is an error.

The data must use our column names (no ``kpitools.toml`` column mapping: a Parquet or DuckDB
table is typed already; rename columns with a view or ``SELECT ... AS``). A table of the
schema that is absent is an empty frame, as for a CSV folder.

Layer 4 (engines): imports `kpitools.datasets` for the `ServiceData` and the quality table.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools.datasets import copy_tables, file_state, register_memo
from kpitools.datasets.mapping import DataMapping, TableMapping
from kpitools.datasets.quality import Problems
from kpitools.datasets.reading import (
    DEFAULT_MAX_EXCLUDED_SHARE,
    ISO_FORMAT_TEXT,
    MIXED_ZONES_REASON,
    empty_table,
)
from kpitools.datasets.simulate import ServiceData
from kpitools.datasets.validate import ValidationReport
from kpitools.engines.tables import duckdb_tables
from kpitools.tables.events import TZ_SUFFIX_PATTERN
from kpitools.tables.schema import ANSWER_COUNT, SCHEMA, SUMMARY_TABLES, Column
from kpitools.tables.windows import Outside, with_outside

__all__ = ["is_warehouse", "read_warehouse", "warehouse_fingerprint", "WAREHOUSE_SUFFIXES",
           "UNREAD_IDENTIFIERS", "EVENT_DATES"]

#: The identifier columns of the survey table (read unless ``identifiers=False``).
SURVEY_IDENTIFIERS: tuple[str, ...] = ("response_id", "customer_id")
#: The identifier columns of each table that no report section reads (left out with
#: ``identifiers=False``): the survey identifiers, and the customer of a ticket (read only
#: by next issue avoidance, which no report shows). A ticket's own id stays: the yes/no
#: ticket KPIs count a ticket given twice once.
UNREAD_IDENTIFIERS: dict[str, tuple[str, ...]] = {"surveys": SURVEY_IDENTIFIERS,
                                                  "tickets": ("customer_id",)}

#: Suffixes of a database file that ``--data`` reads as a DuckDB database.
WAREHOUSE_SUFFIXES: tuple[str, ...] = (".duckdb", ".db")


def is_warehouse(path: str | Path) -> bool:
    """Whether ``path`` is a ``.duckdb`` file or a folder of Parquet tables (and not a CSV
    folder: a folder with a ``kpitools.toml`` or a ``.csv``/``.csv.gz`` file of a table is
    read by the CSV reader).

    >>> is_warehouse("")
    False
    """
    if not str(path):
        return False
    where = Path(path)
    if where.is_file():
        return where.suffix.lower() in WAREHOUSE_SUFFIXES
    if not where.is_dir() or (where / "kpitools.toml").is_file():
        return False
    if any((where / f"{name}{suffix}").is_file() for name in SCHEMA
           for suffix in (".csv", ".csv.gz")):
        return False
    return any(p.suffix.lower() == ".parquet" for p in where.iterdir() if p.is_file()) or any(
        p.is_dir() and any(p.rglob("*.parquet")) for p in where.iterdir())


def _warehouse_files(where: Path) -> list[Path]:
    """The files a read of ``where`` depends on: the ``.duckdb`` file (and its write-ahead
    log), or every Parquet file of the folder."""
    if where.is_file():
        wal = where.with_name(where.name + ".wal")
        return [where, wal] if wal.is_file() else [where]
    return sorted(where.rglob("*.parquet"))


def _state(where: Path) -> tuple[object, ...] | None:
    """What says the warehouse at ``where`` is unchanged (`file_state` of its files), or
    None when a file changed or went while being looked at (then nothing is remembered)."""
    try:
        return (str(where.resolve()), tuple(file_state(p) for p in _warehouse_files(where)))
    except OSError:
        return None


#: The last warehouse read and fingerprints, by the state of their files (see
#: `read_warehouse`); `kpitools.datasets.clear_memo` forgets them.
_READ_MEMO: dict[tuple[object, ...], ValidationReport] = {}
_FINGERPRINT_MEMO: dict[tuple[object, ...], str] = {}


def _clear_memo() -> None:
    _READ_MEMO.clear()
    _FINGERPRINT_MEMO.clear()


register_memo(_clear_memo)


def warehouse_fingerprint(path: str | Path) -> str:
    """SHA-256 over a ``.duckdb`` file, or over every Parquet file of a folder (relative
    path and bytes, in path order): the provenance of a report's input. Remembered in this
    process by the state of the files (`kpitools.datasets.file_state`): a batch of reports
    hashes an unchanged warehouse once.
    """
    where = Path(path)
    state = _state(where)
    if state is not None and state in _FINGERPRINT_MEMO:
        return _FINGERPRINT_MEMO[state]
    digest = hashlib.sha256()
    files = [where] if where.is_file() else sorted(where.rglob("*.parquet"))
    for file in files:
        digest.update((file.name if file == where else file.relative_to(where).as_posix()
                       ).encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 24), b""):
                digest.update(block)
    if state is not None:
        if len(_FINGERPRINT_MEMO) >= 8:
            _FINGERPRINT_MEMO.clear()
        _FINGERPRINT_MEMO[state] = digest.hexdigest()
    return digest.hexdigest()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class _Check:
    """One problem a column's values can have: a SQL condition, its reason, and whether it
    excludes the row (required column) or sets the value to missing (optional)."""

    column: str
    condition: str
    reason: str
    excludes: bool


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL")


def _is_numeric(sql_type: str) -> bool:
    return sql_type.upper() in _NUMERIC or sql_type.upper().startswith("DECIMAL")


def _column_sql(col: Column, sql_type: str, required: bool
                ) -> tuple[str, list[_Check], str]:
    """The cleaned value of ``col`` (NULL where bad), its checks, and its missing condition."""
    c = _q(col.name)
    kind = sql_type.upper()
    checks: list[_Check] = []
    if col.type == "label":
        if _is_numeric(kind):
            text = (f"CASE WHEN {c} = trunc({c}) THEN CAST(CAST({c} AS HUGEINT) AS VARCHAR) "
                    f"ELSE CAST({c} AS VARCHAR) END" if kind in ("FLOAT", "DOUBLE", "REAL")
                    or kind.startswith("DECIMAL") else f"CAST({c} AS VARCHAR)")
        else:
            text = f"NULLIF(CAST({c} AS VARCHAR), '')"
        if col.name == "quarter":
            canonical = (f"regexp_replace(upper(trim({text})), "
                         r"'^(\d{4})-?Q([1-4])$', '\1Q\2')")
            bad = f"{text} IS NOT NULL AND NOT regexp_full_match({canonical}, '\\d{{4}}Q[1-4]')"
            checks.append(_Check(col.name, bad, "not a quarter: give the quarter as 2026Q3 or "
                                 "2026-Q3", required))
            return f"CASE WHEN {bad} THEN NULL ELSE {canonical} END", checks, f"{text} IS NULL"
        return text, checks, f"{text} IS NULL"
    if col.type == "timestamp":
        if kind.startswith("TIMESTAMP") or kind == "DATE":
            value = f"CAST({c} AS TIMESTAMP)"
            return value, checks, f"{c} IS NULL"
        raw = f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"
        value = f"TRY_CAST({raw} AS TIMESTAMP)"
        checks.append(_Check(col.name, f"{raw} IS NOT NULL AND {value} IS NULL",
                             f"not a date in ISO 8601 format ({ISO_FORMAT_TEXT})", required))
        return value, checks, f"{raw} IS NULL"
    if col.type == "flag":
        if kind == "BOOLEAN":
            return c, checks, f"{c} IS NULL"
        raw = f"NULLIF(lower(trim(CAST({c} AS VARCHAR))), '')"
        value = (f"CASE WHEN {raw} IN ('true', 't', 'yes', 'y', '1', '1.0') THEN TRUE "
                 f"WHEN {raw} IN ('false', 'f', 'no', 'n', '0', '0.0') THEN FALSE END")
        checks.append(_Check(col.name, f"{raw} IS NOT NULL AND ({value}) IS NULL",
                             "not a yes/no value (true/false, yes/no, y/n, 1/0)", required))
        return value, checks, f"{raw} IS NULL"
    # number or duration
    if kind.startswith("INTERVAL"):
        number = f"CAST(epoch({c}) AS DOUBLE)"
        raw = c
    elif _is_numeric(kind):
        number = f"CAST({c} AS DOUBLE)"
        raw = c
    else:
        raw = f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"
        number = f"TRY_CAST({raw} AS DOUBLE)"
    bad_number = f"{raw} IS NOT NULL AND ({number} IS NULL OR NOT isfinite({number}))"
    word = "a duration (seconds, or HH:MM:SS)" if col.type == "duration" else "a number"
    checks.append(_Check(col.name, bad_number, f"not {word}", required))
    ok = f"NOT ({bad_number})"
    if col.type == "duration":
        checks.append(_Check(col.name, f"{ok} AND {number} < 0", "a negative duration",
                             required))
        ok = f"{ok} AND NOT ({number} < 0)"
    if col.integer:
        checks.append(_Check(col.name, f"{ok} AND {number} <> round({number})",
                             "not a whole number", required))
        ok = f"{ok} AND NOT ({number} <> round({number}))"
    if col.scale is not None:
        lo, hi = col.scale
        checks.append(_Check(col.name, f"{ok} AND ({number} < {lo} OR {number} > {hi})",
                             f"outside the scale {lo:g}–{hi:g}", required))
        ok = f"{ok} AND NOT ({number} < {lo} OR {number} > {hi})"
    value = f"CASE WHEN {raw} IS NOT NULL AND {ok} THEN {number} END"
    return value, checks, f"{raw} IS NULL"


def _offset_sql(col: str) -> str:
    """The time-zone offset of a text timestamp (``'+01:00'``, ``'Z'``; ``'none'`` without
    one), as `kpitools.tables.events.utc_offset_text` gives it."""
    raw = f"trim(CAST({_q(col)} AS VARCHAR))"
    tail = f"regexp_extract({raw}, {_lit(TZ_SUFFIX_PATTERN)}, 1)"
    digits = f"regexp_replace(regexp_extract({tail}, '[+-][0-9:]+$'), ':', '', 'g')"
    return (f"CASE WHEN {tail} = '' THEN 'none' WHEN {tail} = 'Z' THEN 'Z' "
            f"WHEN length({digits}) = 3 THEN {digits} || '00' ELSE {digits} END")


def _mixed_offsets(relation: Any, source: str, col: str) -> tuple[list[int], list[Any]]:
    """The first data row (and value) of each time-zone offset of a text timestamp column,
    when it has more than one (times with and without an offset, or different offsets);
    empty lists otherwise. DuckDB's cast to TIMESTAMP drops an offset, so such a column
    would silently mix time lines."""
    c = _q(col)
    rows = relation.query(source, f"SELECT min(rn), arg_min({c}, rn) FROM (SELECT "
                                  f"row_number() OVER () AS rn, {c}, {_offset_sql(col)} AS off "
                                  f"FROM {source} WHERE NULLIF(trim(CAST({c} AS VARCHAR)), '') "
                                  f"IS NOT NULL) GROUP BY off ORDER BY 1").fetchall()
    if len(rows) < 2:
        return [], []
    return [int(r[0]) for r in rows], [r[1] for r in rows]


def _outside_patterns(relation: Any, source: str, schema: Any, selects: dict[str, str],
                      order: list[str], where: str
                      ) -> tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]:
    """`kpitools.tables.windows.presence_patterns` of the valid rows ``where`` (those left
    out of the periods read), by DuckDB: the team, a yes/no value, or whether filled."""
    exprs = []
    for c in order:
        kind = schema.column(c).type
        value = selects[c]
        exprs.append(value if c == "team" or kind == "flag" else f"({value}) IS NOT NULL")
    rows = relation.query(source, f"SELECT DISTINCT {', '.join(exprs)} FROM {source} "
                                  f"WHERE {where}").fetchall()
    filled = [c != "team" and schema.column(c).type != "flag" for c in order]
    patterns = tuple(tuple(None if v is None or (is_filled and not v) else v
                           for is_filled, v in zip(filled, row, strict=True)) for row in rows)
    return tuple(order), patterns


def _all_labels(relation: Any, source: str, name: str, selects: dict[str, str],
                order: list[str], where: str, inside: str, when: str
                ) -> tuple[dict[str, list[str]], int, pd.Timestamp | None, pd.Timestamp | None]:
    """The distinct labels of each categorical column (as `_typed` makes them) of the valid
    rows ``where`` (the categories of a whole read, for a read of some rows); and of those
    not ``inside``, their number and the earliest and latest ``when``: one scan."""
    reader = empty_table(name).dtypes
    columns = [c for c in order if isinstance(reader.get(c), pd.CategoricalDtype)]
    row = relation.query(source, "SELECT " + "".join(
        f"list(DISTINCT {selects[c]}), " for c in columns) + (
        f"count(*) FILTER (WHERE NOT {inside}), min({when}) FILTER (WHERE NOT {inside}), "
        f"max({when}) FILTER (WHERE NOT {inside}) FROM {source} WHERE {where}")).fetchall()[0]
    labels = {c: [v for v in values or [] if v is not None]
              for c, values in zip(columns, row, strict=False)}
    rows, first, last = row[len(columns):]
    return (labels, int(rows), None if first is None else pd.Timestamp(first),
            None if last is None else pd.Timestamp(last))


def _timestamp_sql(when: pd.Timestamp) -> str:
    """A naive timestamp as a DuckDB ``TIMESTAMP`` literal (to the microsecond)."""
    return f"TIMESTAMP '{pd.Timestamp(when).strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _typed(frame: pd.DataFrame, name: str, labels: dict[str, list[str]] | None = None
           ) -> pd.DataFrame:
    """``frame`` with the dtypes of the CSV reader (`kpitools.datasets.reading.read_table`);
    a categorical column's categories from ``labels`` where given (else its own)."""
    schema = SCHEMA[name]
    reader = empty_table(name).dtypes  # the reader's label dtypes (text or categorical)
    out = {}
    for col_name in frame.columns:
        values = frame[col_name]
        col = schema.column(col_name)
        if col.type == "label":
            if isinstance(reader.get(col_name), pd.CategoricalDtype):
                # the categories from the distinct labels, not from one object per row
                out[col_name] = _categorical_labels(values, (labels or {}).get(col_name))
                continue
            text = values.astype(object)
            out[col_name] = text.where(values.notna(), None) if values.hasnans else text
        elif col.type == "timestamp":
            out[col_name] = pd.to_datetime(values).astype("datetime64[us]")
        elif col.type == "flag":
            out[col_name] = values.astype("boolean") if values.isna().any() else values.astype(
                bool)
        else:
            numbers = values.astype("float64")
            whole = col.integer or (col.type == "duration" and bool(
                (numbers.dropna() == numbers.dropna().round()).all()) and numbers.notna().any())
            if whole:
                out[col_name] = (numbers.astype("Int64") if numbers.isna().any()
                                 else numbers.astype("int64"))
            else:
                out[col_name] = numbers
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _categorical_labels(values: pd.Series, every: list[str] | None = None) -> pd.Series:
    """``values.astype(object).where(values.notna(), None).astype("category")``, computed on
    the distinct labels; with ``every``, the categories are those labels (a superset of
    ``values``'), sorted the same way."""
    if every is not None:
        categories = pd.Index(pd.Series(every, dtype=object).sort_values(kind="stable")
                              .to_numpy(object))
        if not len(categories):
            return _categorical_labels(values)
        return pd.Series(pd.Categorical(values.astype(object).where(values.notna(), None),
                                        categories=categories),
                         index=values.index, name=values.name)
    codes, uniques = pd.factorize(values, sort=False)
    if not len(uniques):
        return values.astype(object).where(values.notna(), None).astype("category")
    labels = pd.Series(uniques).astype(object)
    order = labels.sort_values(kind="stable").index.to_numpy()  # categories sorted, as astype
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    new_codes = np.where(codes < 0, -1, rank[np.maximum(codes, 0)])
    categories = pd.Index(labels.iloc[order].to_numpy(object))  # text: str, as astype
    return pd.Series(pd.Categorical.from_codes(new_codes, categories=categories),
                     index=values.index, name=values.name)


#: The column that dates a row of each table of events (its period in a report).
EVENT_DATES: dict[str, str] = {"tickets": "created_at", "calls": "offered_at"}


def _read_one(name: str, relation: Any, problems: Problems, file: str,
              max_excluded_share: float, connection: Any,
              leave_out: Sequence[str] = (), counted: bool = False, days: bool = False,
              within: Sequence[tuple[pd.Timestamp, pd.Timestamp]] | None = None
              ) -> pd.DataFrame | None:
    """Check table ``name`` in DuckDB and bring its valid rows to pandas (None on an error).

    For a table of events (`EVENT_DATES`): ``days`` brings only its distinct teams and days
    instead (the row's date to the day, with its team where the table has one), and
    ``within`` only the rows dated in one of those ``[start, end)`` ranges, or not dated."""
    schema = SCHEMA[name]
    types = dict(zip(relation.columns, [str(t) for t in relation.types], strict=True))
    header = list(relation.columns)
    n_errors = sum(1 for r in problems.records if r["severity"] == "error")

    def fail(column: str | None, reason: str) -> None:
        problems.add(table=name, column=column, severity="error", reason=reason, file=file)

    shown = ", ".join(repr(c) for c in header[:25]) + (
        f", … {len(header) - 25} more" if len(header) > 25 else "")
    for col in schema.columns:
        if col.required and col.name not in types:
            fail(col.name, f"table {name!r} lacks the required column {col.name!r} "
                           f"({col.role}); its columns are {shown} (name the column "
                           f"{col.name!r} in the Parquet file or DuckDB table)")
    for group in schema.one_of:
        if not any(c in types for c in group):
            fail(group[0], f"table {name!r} needs at least one of the columns "
                           f"{', '.join(group)}; its columns are {shown}")
    source = "_kt_source"
    for col in schema.columns:
        kind = types.get(col.name, "").upper()
        if col.type != "timestamp" or not kind or kind.startswith("TIMESTAMP") or kind == "DATE":
            continue
        rows, values = _mixed_offsets(relation, source, col.name)
        if rows:
            problems.add(table=name, column=col.name, severity="error", file=file,
                         reason=MIXED_ZONES_REASON.replace(
                             'or set timezone = "<zone>" in kpitools.toml',
                             "or convert the column to TIMESTAMP in the Parquet file or "
                             "DuckDB table"),
                         rows=rows, values=values, row_label="data row")
    if sum(1 for r in problems.records if r["severity"] == "error") > n_errors:
        return None
    derive_quarter = name == "surveys" and "quarter" not in types and "date" in types
    quarter_only = name == "surveys" and "quarter" in types and "date" not in types
    selects: list[tuple[str, str]] = []
    checks: list[_Check] = []
    for col in schema.columns:
        if col.name not in types:
            continue
        required = (col.required or (derive_quarter and col.name == "date")
                    or (quarter_only and col.name == "quarter"))
        value, col_checks, missing = _column_sql(col, types[col.name], required)
        selects.append((col.name, value))
        checks += col_checks
        if required:
            checks.append(_Check(col.name, missing, "missing value in a required column", True))
    if derive_quarter:
        selects.append(("quarter", "CAST(year(CAST(\"date\" AS TIMESTAMP)) AS VARCHAR) || 'Q' "
                                   "|| CAST(quarter(CAST(\"date\" AS TIMESTAMP)) AS VARCHAR)"))
    counts_sql = ", ".join(["count(*)"] + [f"count(*) FILTER (WHERE {k.condition})"
                                            for k in checks])
    found = relation.query(source, f"SELECT {counts_sql} FROM {source}").fetchall()[0]
    n_rows = int(found[0])
    affected_any: list[str] = []
    for check, count in zip(checks, found[1:], strict=True):
        if not count:
            continue
        affected_any.append(check.condition)
        first = relation.query(source, f"SELECT rn, {_q(check.column)} FROM (SELECT "
                                       f"row_number() OVER () AS rn, * FROM {source}) "
                                       f"WHERE {check.condition} ORDER BY rn LIMIT 5").fetchall()
        problems.add(table=name, column=check.column, severity="warning", reason=check.reason,
                     count=int(count), n_rows=n_rows, rows=[int(r[0]) for r in first],
                     values=[r[1] for r in first], row_label="data row",
                     action="row excluded" if check.excludes else "value set to missing",
                     file=file)
    if derive_quarter:
        problems.add(table=name, column="quarter", severity="note", file=file,
                     reason="quarter derived from the column 'date'")
    promoted = problems.promote_large(table=name, file=file, n_rows=n_rows,
                                      max_excluded_share=max_excluded_share,
                                      check="the data")
    if affected_any and not promoted:
        n_affected = int(relation.query(source, f"SELECT count(*) FROM {source} WHERE "
                                        + " OR ".join(f"({c})" for c in affected_any)
                                        ).fetchall()[0][0])
        if n_rows and n_affected / n_rows > max_excluded_share:
            problems.add(table=name, column=None, severity="error", file=file,
                         count=n_affected, n_rows=n_rows,
                         reason=f"{n_affected} of {n_rows} rows ({100 * n_affected / n_rows:.1f}"
                                f" %) have values that would be excluded, more than the "
                                f"{100 * max_excluded_share:g} % allowed (max_excluded_share)")
    if sum(1 for r in problems.records if r["severity"] == "error") > n_errors:
        return None
    keep = " OR ".join(f"({k.condition})" for k in checks if k.excludes) or "FALSE"
    order = [c for c in schema.names if c in dict(selects) and c not in leave_out]
    dated = EVENT_DATES.get(name)
    outside: Outside | None = None
    labels: dict[str, list[str]] | None = None
    if dated is not None and dated in dict(selects) and days:
        order = [c for c in ("team", dated) if c in dict(selects)]
        exprs = ", ".join(
            f"CAST(date_trunc('day', {dict(selects)[c]}) AS TIMESTAMP) AS {_q(c)}" if c == dated
            else f"{dict(selects)[c]} AS {_q(c)}" for c in order)
        query = f"SELECT DISTINCT {exprs} FROM {source} WHERE NOT ({keep}) ORDER BY ALL"
    elif not counted:
        exprs = ", ".join(f"{dict(selects)[c]} AS {_q(c)}" for c in order)
        query = f"SELECT {exprs} FROM {source} WHERE NOT ({keep})"
        if dated is not None and dated in dict(selects) and within is not None:
            when = dict(selects)[dated]
            ranges = " OR ".join(f"({when} >= {_timestamp_sql(start)} AND {when} < "
                                 f"{_timestamp_sql(end)})" for start, end in within)
            inside = f"({when} IS NULL{' OR ' + ranges if ranges else ''})"
            query += f" AND {inside}"
            labels, n_out, first, last = _all_labels(relation, source, name, dict(selects),
                                                     order, f"NOT ({keep})", inside, when)
            columns, patterns = _outside_patterns(relation, source, schema, dict(selects),
                                                  order, f"NOT ({keep}) AND NOT {inside}")
            outside = Outside(columns, patterns, n_out, first, last)
    else:  # one row per distinct answer, with its number of answers (dates to the day)
        exprs = ", ".join(
            f"CAST(date_trunc('day', {dict(selects)[c]}) AS TIMESTAMP) AS {_q(c)}"
            if schema.column(c).type == "timestamp" else f"{dict(selects)[c]} AS {_q(c)}"
            for c in order)
        query = (f"SELECT {exprs}, count(*) AS {_q(ANSWER_COUNT)} FROM {source} "
                 f"WHERE NOT ({keep}) GROUP BY ALL ORDER BY ALL")
    result = relation.query(source, query).arrow()
    table = result.read_all() if hasattr(result, "read_all") else result  # duckdb 2 / 1
    frame = table.to_pandas()
    if not counted:
        typed = _typed(frame, name, labels)
        return typed if outside is None else with_outside(typed, outside)
    answers = frame.pop(ANSWER_COUNT).astype("int64")
    return _typed(frame, name).assign(**{ANSWER_COUNT: answers.to_numpy()})


def read_warehouse(path: str | Path, *,
                   max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                   strict: bool = False, tables: Sequence[str] | None = None,
                   identifiers: bool = True, counted: bool = False, days: bool = False,
                   within: Sequence[tuple[pd.Timestamp, pd.Timestamp]] | None = None
                   ) -> ValidationReport:
    """Read a Parquet folder or a ``.duckdb`` file as a checked data set.

    Parameters
    ----------
    path : str or Path
        A folder of ``NAME.parquet`` files or ``NAME/`` folders of Parquet files, or a
        ``.duckdb`` file (see `kpitools.engines.duckdb_tables`); table names as in the
        schema (``surveys``, ``tickets``, ``calls``, ...), columns with our names.
    max_excluded_share : float, default 0.05
        Above this share of a table's rows with excluded values, the table is an error.
    strict : bool, default False
        Every excluded row or value is an error.
    tables : sequence of str, optional
        Read only these tables (the others come back empty); default every table.
    identifiers : bool, default True
        False leaves the identifiers no report section reads (`UNREAD_IDENTIFIERS`: the
        survey's ``response_id`` and ``customer_id``, a ticket's ``customer_id``; one text
        per row, most of the memory of a large table) out of ``surveys`` and ``tickets``;
        they are still checked.
    counted : bool, default False
        True reads ``surveys`` as counts, made by DuckDB: one row per distinct combination
        of its columns (``date`` to the day; a missing value is a value) with
        ``answers``, its number of answers (what
        `kpitools.reports.sections.count_answers` makes of the rows). Implies
        ``identifiers=False``. The report sections read it as the answers themselves, in
        memory bounded by the distinct answers, not their number.
    days : bool, default False
        True reads ``tickets`` and ``calls`` as their distinct teams and days: one row per
        team and day of ``created_at`` (tickets) or ``offered_at`` (calls), dates to the
        day, no other column (`EVENT_DATES`). Enough to check the data, resolve a report's
        period and list its teams without a row per ticket or call in pandas.
    within : sequence of (start, end) timestamps, optional
        Keep only the ``tickets`` and ``calls`` dated in one of these ``[start, end)``
        ranges (naive, as the columns are read), and the rows without a date: a report
        reads its period, the one before and a year ago, not the whole history. Every row
        is still checked; the data-quality table counts the whole table.

    Returns
    -------
    ValidationReport
        As `kpitools.datasets.validate_data`: ``.tables`` (a `ServiceData`), ``.problems``,
        ``.errors``, ``.warnings``, ``.notes``, ``.ok``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist or holds no Parquet files / tables.
    ValueError
        ``path`` is a file that is not a ``.duckdb`` database, or ``max_excluded_share``
        is not within 0 and 1.

    Notes
    -----
    The last read without errors is remembered in this process, keyed on the state of every
    Parquet file (or of the ``.duckdb`` file and its write-ahead log: path, inode, size,
    modification and change times, `kpitools.datasets.file_state`) and on the arguments:
    the next report of a batch in one kernel (``kpitools report team --all``) gets copies
    of its tables without reading the warehouse again. `kpitools.datasets.clear_memo`
    forgets it.

    Examples
    --------
    >>> import tempfile
    >>> from kpitools.datasets import load_surveys
    >>> folder = Path(tempfile.mkdtemp())
    >>> load_surveys().to_parquet(folder / "surveys.parquet")
    >>> report = read_warehouse(folder)
    >>> report.ok, len(report.tables.surveys), len(report.tables.tickets)
    (True, 11133, 0)
    """
    if not 0.0 <= max_excluded_share <= 1.0:
        raise ValueError(f"max_excluded_share must be within 0 and 1, got "
                         f"{max_excluded_share!r}")
    where = Path(path)
    state = _state(where) if where.exists() else None
    ranges = None if within is None else tuple(
        (pd.Timestamp(start), pd.Timestamp(end)) for start, end in within)
    key = None if state is None else (state, float(max_excluded_share), bool(strict),
                                      None if tables is None else tuple(tables),
                                      bool(identifiers), bool(counted), bool(days), ranges)
    if key is not None and key in _READ_MEMO:
        return _copied_report(_READ_MEMO[key])
    report = _read_warehouse(where, max_excluded_share=max_excluded_share, strict=strict,
                             tables=tables, identifiers=identifiers, counted=counted,
                             days=days, within=ranges)
    if key is not None and not len(report.errors):
        # one warehouse: a report process reads it many times, in a few ways (a report's
        # days, then its periods' rows): the reads of another state are forgotten
        for other in [k for k in _READ_MEMO if k[0] != state or len(_READ_MEMO) >= 4]:
            del _READ_MEMO[other]
        _READ_MEMO[key] = _copied_report(report)
    return report


def _copied_report(report: ValidationReport) -> ValidationReport:
    """``report`` with copies of its frames (`kpitools.datasets.copy_tables`): a caller
    that changes its tables never changes the remembered ones."""
    return dataclasses.replace(report, problems=report.problems.copy(),
                               tables=copy_tables(report.tables))


def _read_warehouse(where: Path, *, max_excluded_share: float, strict: bool,
                    tables: Sequence[str] | None, identifiers: bool,
                    counted: bool, days: bool = False,
                    within: Sequence[tuple[pd.Timestamp, pd.Timestamp]] | None = None
                    ) -> ValidationReport:
    """`read_warehouse` without its memo."""
    import duckdb

    connection = (duckdb.connect(str(where), read_only=True) if where.is_file()
                  else duckdb.connect())
    try:
        connection.execute("SET TimeZone = 'UTC'")
        found = duckdb_tables(where, connection=connection)
        problems = Problems()
        frames: dict[str, pd.DataFrame] = {}
        wanted = list(SCHEMA) if tables is None else list(tables)
        for name in SCHEMA:
            frame = None
            file = _file_of(where, name)
            if name not in found or name not in wanted:
                if name in found or name in SUMMARY_TABLES:
                    pass
                else:
                    # the CSV reader's note, so that reports list these tables on one line
                    problems.add_missing_table(name, looked_for=(
                        f"a table {name!r} in the database" if where.is_file()
                        else f"{name}.parquet, {name}/*.parquet"))
            else:
                counts = counted and name == "surveys"
                frame = _read_one(name, found[name], problems, file, max_excluded_share,
                                  connection, leave_out=() if identifiers and not counts
                                  else UNREAD_IDENTIFIERS.get(name, ()), counted=counts,
                                  days=days, within=within)
            if frame is None:  # an absent table: empty, with the columns a read would have
                frame = empty_table(name)
                if not identifiers or (counted and name == "surveys"):
                    frame = frame.drop(columns=list(UNREAD_IDENTIFIERS.get(name, ())))
                if days and name in EVENT_DATES:
                    frame = frame[[c for c in ("team", EVENT_DATES[name])
                                   if c in frame.columns]]
            frames[name] = frame
        for other in sorted(set(found) - set(SCHEMA)):
            problems.add(table="", column=None, severity="warning", file=_file_of(where, other),
                         reason=f"no kpitools table is called {other!r}: name it as one of "
                                f"{', '.join(SCHEMA)}, or move it out")
    finally:
        connection.close()
    quality = problems.frame()
    if strict:
        quality.loc[(quality["severity"] == "warning") & (quality["table"] != ""),
                    "severity"] = "error"
    order = {"error": 0, "warning": 1, "note": 2}
    quality = quality.sort_values("severity", key=lambda s: s.map(order), kind="stable"
                                  ).reset_index(drop=True)
    mapping = DataMapping(None, {name: TableMapping(name) for name in SCHEMA})
    data = ServiceData(**frames, quality=quality[quality["severity"] != "error"].reset_index(
        drop=True))
    return ValidationReport(where, quality, data, mapping)


def _file_of(where: Path, name: str) -> str:
    if where.is_file():
        return f"{where} (table {name})"
    single = where / f"{name}.parquet"
    return str(single if single.is_file() else where / name)
