"""Reading one table of a data folder, as its mapping says, excluding and counting bad rows.

`read_table` turns a source file (CSV with any delimiter and decimal mark, in any encoding,
gzip-compressed or not; Parquet; Excel) into a table with our column names and types
(`kpitools.tables.schema`). Label columns that name groups (team, channel, agent, quarter,
...) come back as pandas categoricals, encoded once here (`is_grouping_label`); identifiers
stay text. Problems go to a `kpitools.datasets.quality.Problems` collector:

* *structural* problems are errors and the table is not read: an unreadable or empty file,
  text that is not in the mapping's encoding, a duplicate header, a required column (or a
  mapped source column) that is absent;
* *row* problems are warnings: a value that cannot be parsed (a bad date, an unknown label, a
  fraction in a count), a score outside its scale, a missing value in a required column. In
  a required column the row is excluded; in an optional one the value is set to missing (the
  KPIs then exclude and count it). Each problem is counted and its first rows listed.

A share of excluded rows above ``max_excluded_share`` (default 5 %) is an error: that many
bad rows point at a mapping mistake (a wrong date format, delimiter or decimal mark), not at
noise.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools.datasets.mapping import TableMapping
from kpitools.datasets.quality import Problems
from kpitools.tables.events import utc_offset_text
from kpitools.tables.periods import QUARTER_FORMS, parse_quarter, period_labels
from kpitools.tables.schema import SCHEMA, Column

__all__ = [
    "DEFAULT_MAX_EXCLUDED_SHARE",
    "DEFAULT_NA_VALUES",
    "ISO_FORMAT_TEXT",
    "MIXED_ZONES_REASON",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "TableError",
    "find_source",
    "read_table",
    "empty_table",
    "is_grouping_label",
    "as_categories",
]

#: Default share of a table's rows that may be excluded before the table is an error.
DEFAULT_MAX_EXCLUDED_SHARE = 0.05

#: The strings read as missing in number, date and flag columns (pandas' ``na_values``).
#: Label columns (names and identifiers) keep them: a team called ``NA`` keeps its name. The
#: mapping's own ``na_values`` (``["?"]``) are missing in every column, labels included.
DEFAULT_NA_VALUES: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)
#: Words read as true and false in flag columns (any case).
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0"})

ISO_FORMAT_TEXT = ("YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS with an optional time-zone offset, "
                   "e.g. '2026-07-31' or '2026-07-31 09:30:00'")
_CLOCK = re.compile(r"^(-)?(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")
#: Day-first formats tried, in order, when ``dayfirst = true`` and no ``date_format``.
DAYFIRST_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d.%m.%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%y %H:%M",
    "%d/%m/%y", "%d.%m.%y",
)


class TableError(Exception):
    """A structural problem: the table cannot be read (already recorded as an error)."""


@dataclass
class _Raw:
    """A source table as read: text or typed cells, the header, and how rows are named."""

    frame: pd.DataFrame
    header: list[str]
    row_numbers: np.ndarray
    row_label: str


def find_source(directory: Path, tmap: TableMapping) -> Path | None:
    """The file of a table: the mapping's ``file``, else ``<name>.csv.gz`` or ``<name>.csv``."""
    if tmap.file:
        path = directory / tmap.file
        return path if path.is_file() else None
    for suffix in (".csv.gz", ".csv"):
        path = directory / f"{tmap.name}{suffix}"
        if path.is_file():
            return path
    return None


def _format_of(path: Path, tmap: TableMapping) -> str:
    if tmap.format:
        return tmap.format
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return "parquet"
    if suffixes and suffixes[-1] in (".xlsx", ".xlsm", ".xls"):
        return "excel"
    return "csv"


# ---------------------------------------------------------------------- reading the file

def _decode(raw: bytes, path: Path, tmap: TableMapping, fail: Any) -> str:
    encoding = tmap.encoding
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as err:
        fail(_encoding_problem(path, raw, err, encoding, tmap))
        raise TableError from None


def _encoding_problem(path: Path, raw: bytes, err: UnicodeDecodeError, encoding: str,
                      tmap: TableMapping) -> dict[str, Any]:
    start = err.start
    line_no = raw.count(b"\n", 0, start) + 1
    line_start = raw.rfind(b"\n", 0, start) + 1
    line_end = raw.find(b"\n", start)
    line = raw[line_start:len(raw) if line_end < 0 else line_end].rstrip(b"\r")
    header_end = raw.find(b"\n")
    header_bytes = raw[:len(raw) if header_end < 0 else header_end].rstrip(b"\r")
    delimiter = tmap.delimiter or ","
    header = next(csv.reader([header_bytes.decode("utf-8-sig", "replace")],
                             delimiter=delimiter), [])
    prefix = line[:start - line_start].decode("utf-8", "replace")
    index = max(len(next(csv.reader([prefix + "x"], delimiter=delimiter), [])) - 1, 0)
    fields = next(csv.reader([line.decode("utf-8", "replace")], delimiter=delimiter), [])
    column = header[index] if index < len(header) and line_no > 1 else None
    value = fields[index] if index < len(fields) else raw[start:err.end]
    where = " of the uncompressed text" if path.name.endswith(".gz") else ""
    shown = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    return {"column": column, "rows": [line_no], "values": [value], "row_label": "line",
            "reason": f"not {shown} text: byte 0x{raw[start]:02x} at byte offset {start}"
                      f"{where} cannot be decoded (it looks like an 8-bit code page such as "
                      f"Windows-1250, Windows-1252 or Latin-2): set encoding = \"cp1250\" (or "
                      f"the file's code page) in kpitools.toml, or save the file as UTF-8"}


def _read_csv(path: Path, tmap: TableMapping, fail: Any) -> _Raw:
    try:
        raw = path.read_bytes()
    except OSError as err:
        fail({"reason": f"cannot be read: {err.strerror or err}"})
        raise TableError from None
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except EOFError as err:
            fail({"reason": f"the gzip file is truncated ({err}); the copy or download is "
                            "incomplete"})
            raise TableError from None
        except (OSError, zlib.error) as err:
            fail({"reason": f"not a valid gzip file ({err}); a .csv.gz file must be a "
                            "gzip-compressed CSV"})
            raise TableError from None
    text = _decode(raw, path, tmap, fail)
    if not text.strip():
        fail({"reason": "the file is empty, without even a header line; a table with no "
                        "rows needs its header line (or leave the file out, and the report "
                        "leaves its section empty)"})
        raise TableError
    delimiter = tmap.delimiter or ","
    header: list[str] = []
    for fields in csv.reader(io.StringIO(text), delimiter=delimiter):
        if fields:
            header = fields
            break
    _check_duplicates(header, fail)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, header=0)
    except (ValueError, pd.errors.ParserError) as err:
        fail({"reason": f"cannot be read as CSV: {' '.join(str(err).split())}"})
        raise TableError from None
    frame.columns = header[:len(frame.columns)] + list(frame.columns[len(header):])
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines == len(frame) + 1:  # one line per record: name the file's lines
        return _Raw(frame, header, np.arange(len(frame)) + 2, "line")
    return _Raw(frame, header, np.arange(len(frame)) + 1, "data row")


def _check_duplicates(header: Sequence[str], fail: Any) -> None:
    duplicated = [c for i, c in enumerate(header) if c in header[:i]]
    if duplicated:
        names = list(dict.fromkeys(duplicated))
        shown = ", ".join(f"{c!r} (columns " + ", ".join(
            str(i + 1) for i, h in enumerate(header) if h == c) + ")" for c in names)
        fail({"column": names[0],
              "reason": f"duplicate column header {shown}: each column name may appear once"})


def _read_parquet(path: Path, fail: Any) -> _Raw:
    try:
        frame = pd.read_parquet(path)
    except ImportError as err:
        fail({"reason": f"reading Parquet needs pyarrow ({err}); pip install pyarrow"})
        raise TableError from None
    except Exception as err:  # noqa: BLE001 - pyarrow raises many types for a bad file
        fail({"reason": f"cannot be read as Parquet: {' '.join(str(err).split())}"})
        raise TableError from None
    header = [str(c) for c in frame.columns]
    frame.columns = header
    return _Raw(frame.reset_index(drop=True), header, np.arange(len(frame)) + 1, "data row")


def _read_excel(path: Path, tmap: TableMapping, fail: Any) -> _Raw:
    try:
        # text cells as they are (a team called "NA" keeps its name), as the CSV reader
        sheet = pd.read_excel(path, sheet_name=tmap.sheet if tmap.sheet is not None else 0,
                              header=None, dtype=object, keep_default_na=False)
    except Exception as err:  # noqa: BLE001 - openpyxl/zipfile raise many types
        fail({"reason": f"cannot be read as Excel: {' '.join(str(err).split())}"})
        raise TableError from None
    if sheet.empty:
        fail({"reason": "the sheet is empty, without even a header row"})
        raise TableError
    header = ["" if pd.isna(v) else str(v) for v in sheet.iloc[0].tolist()]
    _check_duplicates(header, fail)
    frame = sheet.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return _Raw(frame, header, np.arange(len(frame)) + 2, "sheet row")


# ---------------------------------------------------------------------- parsing values

def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and value.strip() == ""


def _missing_mask(values: pd.Series, na: frozenset[str]) -> np.ndarray:
    return values.map(lambda v: _is_blank(v) or (isinstance(v, str) and v.strip() in na)
                      ).to_numpy(dtype=bool)


def _numbers(values: pd.Series, tmap: TableMapping) -> pd.Series:
    """Cells as float (NaN where not a number); text uses the mapping's decimal mark."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")

    def one(v: Any) -> float:
        if isinstance(v, bool | np.bool_):
            return np.nan
        if isinstance(v, int | float | np.integer | np.floating):
            return float(v)
        if isinstance(v, str):
            text = v.strip()
            if tmap.thousands:
                text = text.replace(tmap.thousands, "")
            if tmap.decimal != ".":
                text = text.replace(tmap.decimal, ".")
            try:
                return float(text)
            except ValueError:
                return np.nan
        return np.nan

    return pd.Series([one(v) for v in values], index=values.index, dtype="float64")


def _durations(values: pd.Series, tmap: TableMapping, unit: float) -> pd.Series:
    """Cells as seconds: numbers (times ``unit``), ``HH:MM:SS`` / ``MM:SS`` text, times."""
    if pd.api.types.is_timedelta64_dtype(values):
        return values.dt.total_seconds()
    numbers = _numbers(values, tmap) * unit

    def clock(v: Any) -> float:
        if isinstance(v, dt.time):
            return v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        if isinstance(v, dt.timedelta | pd.Timedelta):
            return float(v.total_seconds())
        if isinstance(v, str):
            m = _CLOCK.match(v.strip())
            if m:
                sign = -1.0 if m.group(1) else 1.0
                if m.group(4) is None:  # MM:SS
                    return sign * (int(m.group(2)) * 60 + int(m.group(3)))
                return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60
                               + float(m.group(4)))
        return np.nan

    if numbers.isna().any():
        clocks = pd.Series([clock(v) for v in values], index=values.index, dtype="float64")
        numbers = numbers.fillna(clocks)
    return numbers


def _flags(values: pd.Series) -> pd.Series:
    def one(v: Any) -> Any:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.integer | np.floating):
            return True if v == 1 else False if v == 0 else None
        if isinstance(v, str):
            word = v.strip().lower()
            return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
        return None

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def _labels(values: pd.Series) -> pd.Series:
    def one(v: Any) -> Any:
        if _is_blank(v) and not (isinstance(v, str) and v != "" and v.strip() == ""):
            return None
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, str):
            return v
        return str(v)

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def _timestamps(values: pd.Series, column: str, fmt: str | None, tmap: TableMapping,
                present: np.ndarray) -> tuple[pd.Series, str, dict[str, Any] | None]:
    """Parsed timestamps, the format described in words, and a column-level problem."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return _zone(values, tmap), "a date", None
    as_text = values.map(lambda v: v.strip() if isinstance(v, str) else v).astype(object)
    as_text = as_text.where(pd.Series(present, index=values.index), None)
    offsets = as_text.map(lambda v: ((utc_offset_text(v) or "none") if isinstance(v, str)
                                     else ("aware" if getattr(v, "tzinfo", None) else "none"))
                          if v is not None else None)
    kinds = offsets.dropna()
    n_kinds = kinds.nunique()
    utc = False
    if n_kinds > 1:
        has_naive = (kinds == "none").any()
        if has_naive or tmap.timezone is None:
            first = offsets.notna() & ~offsets.duplicated()
            return _mixed_zones(values, first.to_numpy(dtype=bool))
        utc = True
    if fmt is None and tmap.dayfirst:
        best, best_n = None, -1
        sample = as_text[present][:500]
        for candidate in DAYFIRST_FORMATS:
            n_ok = int(pd.to_datetime(sample, format=candidate, errors="coerce").notna().sum())
            if n_ok > best_n:
                best, best_n = candidate, n_ok
        fmt = best
    fmt_used = fmt or "ISO8601"
    try:
        parsed = pd.to_datetime(as_text, format=fmt_used, errors="coerce", utc=utc)
    except ValueError:  # "Mixed timezones" in a form the offset test did not see
        first = np.zeros(len(values), dtype=bool)
        first[np.flatnonzero(present)[:1]] = True
        return _mixed_zones(values, first)
    words = (f"not a date in ISO 8601 format ({ISO_FORMAT_TEXT})" if fmt is None
             else f"not a date in the format {fmt!r}")
    return _zone(parsed, tmap), words, None


#: The error of a timestamp column that mixes time-zone offsets.
MIXED_ZONES_REASON = ("mixes time-zone offsets (or times with and without an offset), which "
                      "cannot be put on one time line unambiguously; give every time the same "
                      "offset, or none, or set timezone = \"<zone>\" in kpitools.toml")


def _mixed_zones(values: pd.Series, shown: np.ndarray
                 ) -> tuple[pd.Series, str, dict[str, Any]]:
    """The column-level problem of a column that mixes time-zone offsets (or times with and
    without one), listing the ``shown`` rows."""
    return (pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), "",
            {"positions": np.flatnonzero(shown), "reason": MIXED_ZONES_REASON})


def _zone(parsed: pd.Series, tmap: TableMapping) -> pd.Series:
    aware = getattr(parsed.dt, "tz", None) is not None
    if not aware and tmap.source_timezone:
        parsed = parsed.dt.tz_localize(tmap.source_timezone, ambiguous="NaT",
                                       nonexistent="NaT")
        aware = True
    if aware and tmap.timezone:
        parsed = parsed.dt.tz_convert(tmap.timezone).dt.tz_localize(None)
    return parsed


def _declared_mask(values: pd.Series, declared: frozenset[str]) -> np.ndarray:
    """Cells that are one of the mapping's ``na_values`` (after trimming blanks)."""
    return values.map(lambda v: isinstance(v, str) and v.strip() in declared
                      ).to_numpy(dtype=bool)


def _quarters(labels: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Quarter labels in the canonical form (``2026Q3``) and the cells that are not quarters.

    >>> labels, bad = _quarters(pd.Series(["2026-Q3", "Q1 2021", None], dtype=object))
    >>> labels.tolist(), bad.tolist()
    (['2026Q3', 'Q1 2021', None], [False, True, False])
    """
    canonical: dict[Any, Any] = {}
    bad_values: set[Any] = set()
    for value in pd.unique(labels.dropna()):
        try:
            canonical[value] = str(parse_quarter(value))
        except ValueError:
            bad_values.add(value)
    bad = labels.isin(list(bad_values)).to_numpy(dtype=bool) if bad_values else np.zeros(
        len(labels), dtype=bool)
    out = pd.Series([canonical.get(v, v) if isinstance(v, str) else None for v in labels],
                    index=labels.index, dtype=object)
    return out, bad


def _cell_text(value: Any) -> str | None:
    """A cell as the text a filter compares (numbers without a trailing ``.0``)."""
    if _is_blank(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else str(value)


def _apply_filter(raw: _Raw, tmap: TableMapping, problems: Problems, fail: Any,
                  file: str) -> bool:
    """Keep the rows that the mapping's ``filter`` selects (in place); False on an error."""
    absent = [c for c in tmap.filter if c not in raw.header]
    if absent:
        fail({"column": absent[0], "reason":
              f"filter: the source column {', '.join(repr(c) for c in absent)} is not in the "
              f"file; its header has {_shown(raw.header)}"})
        return False
    keep = np.ones(len(raw.frame), dtype=bool)
    for column, wanted in tmap.filter.items():
        texts = raw.frame[column].map(_cell_text)
        numbers = _numbers(raw.frame[column], tmap).to_numpy()
        hit = np.zeros(len(texts), dtype=bool)
        for value in wanted:
            if isinstance(value, str):
                this = (texts == value.strip()).to_numpy(dtype=bool)
            else:
                this = numbers == value
            if not this.any():
                problems.add(table=tmap.name, column=None, severity="warning", file=file,
                             reason=f"filter: no row has {value!r} in the source column "
                                    f"{column!r} (check the spelling); values seen: "
                                    f"{', '.join(repr(v) for v in pd.unique(texts.dropna())[:8])}")
            hit |= this
        keep &= hit
    n_all, n_kept = len(keep), int(keep.sum())
    shown = "; ".join(f"{c!r} in [{', '.join(repr(v) for v in w)}]"
                      for c, w in tmap.filter.items())
    if n_kept == 0 and n_all:
        fail({"reason": f"filter: no row of the {n_all} in the file matches {shown}"})
        return False
    problems.add(table=tmap.name, column=None, severity="note", file=file,
                 reason=f"filter {shown}: {n_kept} of {n_all} rows read, the other "
                        f"{n_all - n_kept} left out by the mapping")
    raw.frame = raw.frame.loc[keep].reset_index(drop=True)
    raw.row_numbers = raw.row_numbers[keep]
    return True


def _integers(values: pd.Series, missing: np.ndarray) -> pd.Series:
    if not missing.any():
        return values.astype("int64")
    return values.astype("Int64")


# ---------------------------------------------------------------------- one table

#: Counts of a table of totals that cannot exceed another count of the same row.
_AT_MOST: tuple[tuple[str, str], ...] = (
    ("answered", "offered"), ("abandoned", "offered"),
    ("answered_within_threshold", "answered"), ("answered_within_threshold", "offered"),
)


def _check_totals(out: dict[str, pd.Series], schema: Any, warn: Any) -> None:
    """Checks across the columns of a table of totals (``calls_summary``).

    A negative count is excluded (the row, when the count is ``offered``; the value
    otherwise); a row with more answered or abandoned calls than calls offered, or more
    answered within the threshold than answered, is excluded: its counts contradict each
    other. Each is counted and listed by ``warn``.
    """
    for col in schema.columns:
        if col.name not in out or not (col.integer or col.name == "threshold_seconds"):
            continue
        values = out[col.name]
        negative = (values.notna() & (values.astype("float64") < 0)).to_numpy(dtype=bool)
        warn(col, negative, "a negative count", values, col.required)
        out[col.name] = values.where(~pd.Series(negative, index=values.index))
    for small, big in _AT_MOST:
        if small not in out or big not in out:
            continue
        a, b = out[small].astype("float64"), out[big].astype("float64")
        over = (a.notna() & b.notna() & (a > b)).to_numpy(dtype=bool)
        warn(schema.column(small), over, f"more {small.replace('_', ' ')} than {big} in the "
             f"same row", out[small], True)


def is_grouping_label(col: Column) -> bool:
    """Whether label column ``col`` names groups (team, channel, agent, quarter, ...), read
    as a pandas categorical; identifiers (``*_id``, join keys with one value per row or
    customer) stay text."""
    return col.type == "label" and not col.role.endswith("identifier")


def as_categories(values: pd.Series) -> pd.Series:
    """A label column as a categorical of its values (sorted categories, missing as NaN).

    Encoding the keys once where data is read saves every later group-by from hashing the
    strings again (`kpitools.tables.keys` uses the codes as they are).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    return values.astype(object).astype("category")


def empty_table(name: str) -> pd.DataFrame:
    """Table ``name`` without rows: every column of the schema, with its type."""
    out = {}
    for col in SCHEMA[name].columns:
        dtype = {"timestamp": "datetime64[ns]", "number": "float64", "duration": "float64",
                 "flag": "boolean", "label": object}[col.type]
        if col.type == "number" and col.integer:
            dtype = "Int64"
        out[col.name] = pd.Series(dtype=dtype)
        if is_grouping_label(col):
            out[col.name] = as_categories(out[col.name])
    return pd.DataFrame(out)


def read_table(path: Path, tmap: TableMapping, problems: Problems, *,
               max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE) -> pd.DataFrame | None:
    """Read table ``tmap.name`` from ``path``; None when a structural error stops it.

    Every problem is added to ``problems`` (see the module docstring). Rows with a bad value in
    a required column are excluded; bad values in optional columns become missing.
    """
    name = tmap.name
    schema = SCHEMA[name]
    file = str(path)
    n_errors = sum(1 for r in problems.records if r["severity"] == "error")

    def fail(info: dict[str, Any]) -> None:
        problems.add(table=name, column=info.get("column"), severity="error",
                     reason=info["reason"], rows=info.get("rows", ()),
                     values=info.get("values", ()), row_label=info.get("row_label", "row"),
                     file=file)

    kind = _format_of(path, tmap)
    try:
        if kind == "parquet":
            raw = _read_parquet(path, fail)
        elif kind == "excel":
            raw = _read_excel(path, tmap, fail)
        else:
            raw = _read_csv(path, tmap, fail)
    except TableError:
        return None
    header = raw.header
    if tmap.filter:
        if not _apply_filter(raw, tmap, problems, fail, file):
            return None
    n_rows = len(raw.frame)

    # which source column feeds each of our columns
    sources: dict[str, tuple[str, ...]] = {}
    for col in schema.columns:
        if col.name in tmap.constants:
            continue
        if col.name in tmap.missing:
            if col.name in header:
                problems.add(table=name, column=col.name, severity="note", file=file,
                             reason=f"listed under missing = [...], so the source's column "
                                    f"{col.name!r} is not read (map it under [tables.{name}."
                                    f"columns] to read it)")
            continue
        src = tmap.source(col.name)
        names = (src,) if isinstance(src, str) else tuple(src)
        absent = [s for s in names if s not in header]
        mapped = col.name in tmap.columns
        if not absent:
            sources[col.name] = names
        elif mapped:
            fail({"column": col.name, "reason":
                  f"the source column {', '.join(repr(s) for s in absent)} (mapped to "
                  f"{col.name!r}) is not in the file; its header has {_shown(header)}"})
        elif col.required:
            hint = (f"; map it in kpitools.toml: [tables.{name}.columns] {col.name} = "
                    f"\"<source column>\"")
            fail({"column": col.name, "reason":
                  f"table {name!r} lacks the required column {col.name!r} ({col.role}); its "
                  f"header has {_shown(header)}{hint}"})
        elif tmap.from_file and col.name not in tmap.missing:
            problems.add(table=name, column=col.name, severity="note", file=file,
                         reason=f"optional column ({col.role}) not in the source; KPIs that "
                                f"need it are left out (list it under missing = [...] to "
                                f"say so)")
    for extra, src in tmap.extra.items():
        if src not in header:
            fail({"column": extra, "reason": f"extra: the source column {src!r} is not in the "
                                             f"file; its header has {_shown(header)}"})
    for group in schema.one_of:
        if not any(c in sources or c in tmap.constants for c in group):
            fail({"column": group[0], "reason":
                  f"table {name!r} needs at least one of the columns {', '.join(group)}; its "
                  f"header has {_shown(header)}"})
    if sum(1 for r in problems.records if r["severity"] == "error") > n_errors:
        return None

    frame = raw.frame
    drop = np.zeros(n_rows, dtype=bool)
    affected = np.zeros(n_rows, dtype=bool)
    out: dict[str, pd.Series] = {}
    na = frozenset(DEFAULT_NA_VALUES) | frozenset(tmap.na_values)
    declared = frozenset(v.strip() for v in tmap.na_values)
    derive_quarter = name == "surveys" and "quarter" not in sources and "date" in sources
    quarter_only = name == "surveys" and "quarter" in sources and "date" not in sources

    def warn(col: Column, bad: np.ndarray, reason: str, values: pd.Series,
             required: bool) -> None:
        positions = np.flatnonzero(bad)
        if not len(positions):
            return
        action = "row excluded" if required else "value set to missing"
        problems.add(table=name, column=col.name, severity="warning", reason=reason,
                     count=len(positions), n_rows=n_rows,
                     rows=raw.row_numbers[positions[:5]].tolist(),
                     values=values.to_numpy(dtype=object)[positions[:5]].tolist(),
                     row_label=raw.row_label, action=action, file=file)
        affected[positions] = True
        if required:
            drop[positions] = True

    for col in schema.columns:
        required = (col.required or (derive_quarter and col.name == "date")
                    or (quarter_only and col.name == "quarter"))
        if col.name in tmap.constants:
            out[col.name] = pd.Series([tmap.constants[col.name]] * n_rows, dtype=object)
            continue
        if col.name not in sources:
            continue
        names = sources[col.name]
        if len(names) == 1:
            cells = frame[names[0]].reset_index(drop=True)
        else:
            parts = [frame[s].reset_index(drop=True).map(
                lambda v: None if _is_blank(v) else str(v).strip()) for s in names]
            joined = parts[0].astype(object)
            for part in parts[1:]:
                joined = joined + " " + part.astype(object)
            cells = joined.where(pd.concat(parts, axis=1).notna().all(axis=1), None)
        cells = cells.astype(object) if cells.dtype != object and col.type == "label" else cells
        vmap = tmap.values.get(col.name)
        mapped_mask = np.zeros(n_rows, dtype=bool)
        if vmap:
            keys = cells.map(lambda v: v.strip() if isinstance(v, str) else
                             (str(v) if not _is_blank(v) else None))
            mapped_mask = keys.isin(list(vmap)).to_numpy(dtype=bool)
            replaced = keys.map(lambda k, m=vmap: m.get(k) if k is not None else None)
            cells = cells.astype(object).where(~pd.Series(mapped_mask), replaced)
        if col.type == "label":
            if declared:  # the mapping's own missing markers: missing in labels too
                cells = cells.astype(object).where(
                    ~pd.Series(_declared_mask(cells, declared) & ~mapped_mask), None)
            out[col.name] = _labels(cells)
            miss = out[col.name].isna().to_numpy()
            if col.name == "quarter":
                labels, bad = _quarters(out[col.name])
                reason = (f"not a quarter: give the quarter as {' or '.join(QUARTER_FORMS)}"
                          f" (or map the source's labels to quarters with [tables.{name}."
                          f"values.quarter])")
                warn(col, bad, reason, cells, required)
                out[col.name] = labels.where(~pd.Series(bad), None)
            if required:
                warn(col, miss, "missing value in a required column", cells, True)
            continue
        missing = _missing_mask(cells, na) & ~mapped_mask
        present = ~missing
        if col.type == "timestamp":
            fmt = tmap.date_formats.get(col.name, tmap.date_format)
            parsed, words, whole = _timestamps(cells, col.name, fmt, tmap, present)
            if whole is not None:
                pos = whole["positions"]
                fail({"column": col.name, "reason": whole["reason"],
                      "rows": raw.row_numbers[pos].tolist(),
                      "values": cells.to_numpy(dtype=object)[pos].tolist(),
                      "row_label": raw.row_label})
                return None
            bad = present & parsed.isna().to_numpy()
            warn(col, bad, words, cells, required)
            out[col.name] = parsed
        elif col.type == "flag":
            flags = _flags(cells)
            bad = present & flags.isna().to_numpy()
            if bad.any():
                known = "true/false, yes/no, y/n, 1/0"
                if vmap:
                    known += " or the value map's " + ", ".join(repr(k) for k in vmap)
                warn(col, bad, f"not a yes/no value ({known})", cells, required)
            out[col.name] = (flags.astype(bool) if not flags.isna().any()
                             else flags.astype("boolean"))
        elif col.type == "duration":
            seconds = _durations(cells, tmap, tmap.units.get(col.name, 1.0))
            bad = present & seconds.isna().to_numpy()
            warn(col, bad, "not a duration (seconds, or HH:MM:SS)", cells, required)
            negative = present & ~bad & (seconds.to_numpy() < 0)
            warn(col, negative, "a negative duration", cells, required)
            seconds = seconds.where(~pd.Series(bad | negative))
            whole = seconds.dropna()
            if len(whole) and np.all(whole == np.round(whole)):
                out[col.name] = _integers(seconds, seconds.isna().to_numpy())
            else:
                out[col.name] = seconds.astype("float64")
        else:  # number
            numbers = _numbers(cells, tmap)
            bad = present & ~np.isfinite(numbers.to_numpy())
            if vmap:
                reason = ("not a number and not in the value map (" + ", ".join(
                    repr(k) for k in list(vmap)[:8]) + ")")
            else:
                reason = "not a number"
            warn(col, bad, reason, cells, required)
            numbers = numbers.where(~pd.Series(bad))
            if col.integer:
                frac = present & ~bad & (numbers.to_numpy() != np.round(numbers.to_numpy()))
                warn(col, frac, "not a whole number", cells, required)
                numbers = numbers.where(~pd.Series(frac))
            scale = tmap.scales.get(col.name, col.scale)
            if scale is not None:
                lo, hi = scale
                values = numbers.to_numpy()
                outside = numbers.notna().to_numpy() & ((values < lo) | (values > hi))
                warn(col, outside, f"outside the scale {lo:g}–{hi:g}", cells, required)
                numbers = numbers.where(~pd.Series(outside))
            if col.integer:
                out[col.name] = _integers(numbers, numbers.isna().to_numpy())
            else:
                out[col.name] = numbers.astype("float64")
        if required:
            warn(col, missing, "missing value in a required column", cells, True)
    for extra, src in tmap.extra.items():
        cells = frame[src].reset_index(drop=True).astype(object)
        if declared:
            cells = cells.where(~pd.Series(_declared_mask(cells, declared)), None)
        out[extra] = _labels(cells)
    if derive_quarter:
        out["quarter"] = period_labels(out["date"], "quarter")
        problems.add(table=name, column="quarter", severity="note", file=file,
                     reason="quarter derived from the column 'date'")
    if name == "calls_summary":
        _check_totals(out, schema, warn)
    order = [c for c in schema.names if c in out] + list(tmap.extra)
    table = pd.DataFrame({c: out[c] for c in order})
    n_affected = int(affected.sum())
    promoted = problems.promote_large(table=name, file=file, n_rows=n_rows,
                                      max_excluded_share=max_excluded_share,
                                      check="the mapping")
    if not promoted and n_rows and n_affected / n_rows > max_excluded_share:
        problems.add(table=name, column=None, severity="error", file=file, count=n_affected,
                     n_rows=n_rows,
                     reason=f"{n_affected} of {n_rows} rows ({100 * n_affected / n_rows:.1f} %) "
                            f"have values that would be excluded, more than the "
                            f"{100 * max_excluded_share:g} % allowed (max_excluded_share): "
                            f"that is a mapping mistake (date format, delimiter, decimal mark, "
                            f"value map, encoding) rather than noise")
    if drop.any():
        table = table.loc[~drop].reset_index(drop=True)
    for col in schema.columns:  # group names encoded once, after the excluded rows are gone
        if col.name in table and is_grouping_label(col):
            table[col.name] = as_categories(table[col.name])
    return table


def _shown(header: Sequence[str]) -> str:
    shown = ", ".join(repr(c) for c in list(header)[:25])
    return shown + (f", … {len(header) - 25} more" if len(header) > 25 else "")
