"""The bundled sample data set, and readers for a folder of tables with the same layout.

The sample data were made by `kpitools.datasets.simulate.simulate_service_data` with its
default seed
(8 quarters 2024Q4–2026Q3, six teams, three channels); ``datasets.csv`` in this folder lists
every table with its size and description. The data hold known effects (see
`kpitools.datasets.simulate.EFFECTS`): the Onboarding team's NPS rose significantly in 2026Q3, the
Returns team's change is noise, e-mail first response time worsened, and satisfaction
predicts churn.

`read_service_data` reads a user's folder laid out the same way (``surveys.csv`` or
``surveys.csv.gz``, ``tickets.csv``, ...); that is what ``kpitools report --data PATH`` reads.

Examples
--------
>>> from kpitools import datasets
>>> surveys = datasets.load_surveys()
>>> surveys.shape
(11133, 9)
>>> surveys.groupby("quarter").size().head(2)
quarter
2024Q4    1381
2025Q1    1357
dtype: int64
>>> datasets.list_datasets()["name"].tolist()  # doctest: +NORMALIZE_WHITESPACE
['surveys', 'tickets', 'calls', 'customers', 'agents', 'agent_availability',
 'competitor_surveys', 'competitor_published']
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.datasets.simulate import (
    DEFAULT_SEED,
    TABLE_COLUMNS,
    ServiceData,
    simulate_service_data,
)

__all__ = [
    "DATA_DIR",
    "TABLE_DESCRIPTIONS",
    "list_datasets",
    "load_dataset",
    "load_sample_data",
    "find_table",
    "load_surveys",
    "load_tickets",
    "load_calls",
    "load_customers",
    "load_agents",
    "load_agent_availability",
    "load_competitor_surveys",
    "load_competitor_published",
    "read_service_data",
    "fingerprint",
    "regenerate",
]

#: Folder of the bundled CSV files.
DATA_DIR = Path(__file__).resolve().parent

#: One line per table, used for ``datasets.csv``.
TABLE_DESCRIPTIONS: dict[str, str] = {
    "surveys": "Survey answers: NPS 0-10, CSAT 1-5, CES 2.0 1-7 ('made it easy'); one row per "
               "response",
    "tickets": "Support tickets with created, first-response and resolution times; one row per "
               "ticket",
    "calls": "Inbound calls: offered, answered (empty if abandoned), wait/talk/hold/ACW seconds",
    "customers": "Customers with start and end (churn) dates and monthly recurring revenue",
    "agents": "Agents with team, start date and end date (empty while employed)",
    "agent_availability": "Available (logged-in) hours per agent and quarter",
    "competitor_surveys": "Raw NPS answers (0-10) of benchmark surveys about a competitor",
    "competitor_published": "Published NPS breakdowns of competitors: n, % promoters, "
                            "% detractors",
}

_DATETIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "surveys": ("date",),
    "tickets": ("created_at", "first_response_at", "resolved_at"),
    "calls": ("offered_at", "answered_at"),
    "customers": ("start_date", "end_date"),
    "agents": ("start_date", "end_date"),
}
_INTEGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "surveys": ("nps", "csat", "ces"),
    "tickets": ("contacts", "satisfaction"),
    "calls": ("wait_seconds", "talk_seconds", "hold_seconds", "acw_seconds"),
    "competitor_surveys": ("nps",),
    "competitor_published": ("n",),
}
_FLOAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("mrr", "expansion_mrr", "contraction_mrr"),
    "agent_availability": ("available_hours",),
    "competitor_published": ("promoters_pct", "detractors_pct"),
}
_BOOLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("first_contact_resolved", "escalated", "reopened", "converted"),
}
_STRING_COLUMNS = ("quarter", "period", "team", "channel", "competitor", "agent", "agent_id",
                   "customer_id")

#: The strings pandas reads as missing by default (the ``na_values`` list of `pandas.read_csv`).
#: Number, date and yes/no columns keep them; label columns (names and identifiers) do not,
#: so that a team called ``NA`` or a competitor called ``None`` keeps its name.
_DEFAULT_NA_VALUES: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)

_ISO_FORMAT = ("YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS with an optional time-zone offset, "
               "e.g. '2026-07-31' or '2026-07-31 09:30:00'")


def label_columns(name: str) -> tuple[str, ...]:
    """The text columns of table ``name`` (names and identifiers: only empty cells are missing).

    >>> label_columns("surveys")
    ('response_id', 'customer_id', 'team', 'channel', 'quarter')
    """
    typed = {*_DATETIME_COLUMNS.get(name, ()), *_INTEGER_COLUMNS.get(name, ()),
             *_FLOAT_COLUMNS.get(name, ()), *_BOOLEAN_COLUMNS.get(name, ())}
    return tuple(c for c in TABLE_COLUMNS[name] if c not in typed)


def find_table(directory: Path, name: str) -> Path | None:
    """The file of table ``name`` in ``directory`` (``name.csv.gz`` or ``name.csv``), or None."""
    for suffix in (".csv.gz", ".csv"):
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def _read_text(path: Path) -> str:
    """The file's text: gunzipped when it ends in ``.gz``, decoded as UTF-8 (a BOM is allowed).

    Any other encoding is refused with an error naming the byte, its line and column, rather
    than guessed: an 8-bit file read under the wrong code page (Latin-2 read as Windows-1252,
    say) gives wrong names in silence, and a name that differs splits a team in two.
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataValidationError(f"cannot be read: {err.strerror or err}",
                                  path=str(path)) from err
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except EOFError as err:
            raise DataValidationError(
                f"the gzip file is truncated ({err}); the copy or download is incomplete",
                path=str(path)) from err
        except (OSError, zlib.error) as err:
            raise DataValidationError(f"not a valid gzip file ({err}); a .csv.gz file must be "
                                      f"a gzip-compressed CSV", path=str(path)) from err
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _encoding_error(path, raw, err) from err


def _encoding_error(path: Path, raw: bytes, err: UnicodeDecodeError) -> DataValidationError:
    """Name the undecodable byte, its offset, line, column and value (byte shown as �)."""
    start = err.start
    line_no = raw.count(b"\n", 0, start) + 1
    line_start = raw.rfind(b"\n", 0, start) + 1
    line_end = raw.find(b"\n", start)
    line = raw[line_start:len(raw) if line_end < 0 else line_end].rstrip(b"\r")
    header_end = raw.find(b"\n")
    header_bytes = raw[:len(raw) if header_end < 0 else header_end].rstrip(b"\r")
    header = next(csv.reader([header_bytes.decode("utf-8-sig", "replace")]), [])
    prefix = line[:start - line_start].decode("utf-8", "replace")
    index = max(len(next(csv.reader([prefix + "x"]), [])) - 1, 0)
    fields = next(csv.reader([line.decode("utf-8", "replace")]), [])
    column = header[index] if index < len(header) and line_no > 1 else None
    value = fields[index] if index < len(fields) else raw[start:err.end]
    where = " of the uncompressed text" if path.name.endswith(".gz") else ""
    return DataValidationError(
        f"not UTF-8 text: byte 0x{raw[start]:02x} at byte offset {start}{where} cannot be "
        f"decoded; save the file as UTF-8 (it looks like an 8-bit code page such as "
        f"Windows-1252, Latin-1 or Latin-2: e.g. iconv -f ISO-8859-2 -t UTF-8)",
        column=column, rows=[line_no], values=[value], path=str(path), row_label="line")


def _header(text: str) -> list[str]:
    """The column names of the first non-blank line, as the csv module splits them."""
    for fields in csv.reader(io.StringIO(text)):
        if fields:
            return fields
    return []


class _Located:
    """Turn frame positions into file line numbers, when each record is one line."""

    def __init__(self, path: Path, text: str, n_rows: int) -> None:
        self.path = str(path)
        n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        self.exact = n_lines == n_rows + 1  # no blank lines, no line breaks inside fields

    def error(self, singular: str, plural: str, column: str, frame: pd.DataFrame,
              bad: pd.Series) -> DataValidationError:
        """``column 'x': 2 values are <plural> (lines 3, 7: 'a', 'b')``."""
        count = int(bad.sum())
        problem = f"1 value is {singular}" if count == 1 else f"{count} values are {plural}"
        return self.error_at(problem, column, frame, bad)

    def error_at(self, problem: str, column: str, frame: pd.DataFrame,
                 bad: pd.Series) -> DataValidationError:
        """``column 'x': <problem> (lines 3, 7: 'a', 'b')`` for the rows where ``bad``."""
        positions = np.flatnonzero(bad.to_numpy(dtype=bool))
        values = frame[column].to_numpy(dtype=object)[positions].tolist()
        if self.exact:  # line 1 is the header
            return DataValidationError(problem, column=column, rows=(positions + 2).tolist(),
                                       values=values, path=self.path, row_label="line")
        return DataValidationError(problem, column=column, rows=(positions + 1).tolist(),
                                   values=values, path=self.path, row_label="data row")


def _parse_dates(frame: pd.DataFrame, column: str, where: _Located) -> pd.Series:
    values = frame[column].astype(object).where(frame[column].notna(), None)
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    try:
        coerced = pd.to_datetime(values, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        coerced = None
    if coerced is not None:
        bad = values.notna() & coerced.isna()
        if bad.any():
            raise where.error(f"not a date in ISO 8601 format ({_ISO_FORMAT})",
                              f"not dates in ISO 8601 format ({_ISO_FORMAT})",
                              column, frame, bad)
    offsets = values.astype("string").str.extract(r"(Z|[+-]\d{2}:?\d{2})$")[0]
    kinds = offsets.fillna("none").where(values.notna(), pd.NA)
    if kinds.nunique() > 1:
        first = kinds.notna() & ~kinds.duplicated()
        raise where.error_at(
            "mixes time-zone offsets (or times with and without an offset), which cannot be "
            "put on one time line unambiguously; give every time the same offset, or none",
            column, frame, first)
    raise DataValidationError(f"cannot be read as dates: {reason}", column=column,
                              path=where.path)


def _parse_numbers(frame: pd.DataFrame, column: str, where: _Located, *,
                   integer: bool) -> pd.Series:
    values = frame[column]
    if integer and pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(
            values):
        return values
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        as_object = values.astype(object).where(values.notna(), None)
        numbers = pd.to_numeric(as_object, errors="coerce")
        bad = as_object.notna() & (numbers.isna() | as_object.map(lambda v: isinstance(v, bool)))
        if bad.any():
            raise where.error("not a number", "not numbers", column, frame, bad)
        values = numbers.astype("float64")
    if not integer:
        return values.astype("float64")
    present = values.notna()
    as_float = values.astype("float64")
    whole = np.isfinite(as_float) & (as_float == np.round(as_float))
    bad = present & ~whole
    if bad.any():
        raise where.error("not a whole number", "not whole numbers", column, frame, bad)
    return as_float.astype("int64") if not (~present).any() else as_float.astype("Int64")


def _read_table(path: Path, name: str) -> pd.DataFrame:
    """Read one table file; every problem is a `DataValidationError` naming the file.

    Label columns (names and identifiers, see `label_columns`) keep their text: only an
    empty cell is missing there, so ``NA``, ``None`` or ``null`` are names. Number and date
    columns read pandas' usual missing-value strings (``NA``, ``n/a``, ``null``, ...) as
    missing. A header-only file is a table with no rows; an empty file is an error.
    """
    text = _read_text(path)
    if not text.strip():
        raise DataValidationError(
            "the file is empty, without even a header line; a table with no rows needs its "
            "header line (or leave the file out, and the report leaves its section empty)",
            path=str(path))
    header = _header(text)
    duplicated = [c for i, c in enumerate(header) if c in header[:i]]
    if duplicated:
        names = list(dict.fromkeys(duplicated))
        shown = ", ".join(f"{c!r} (columns " + ", ".join(
            str(i + 1) for i, h in enumerate(header) if h == c) + ")" for c in names)
        error = DataValidationError(
            f"duplicate column header {shown}: each column name may appear once",
            path=str(path))
        error.column = names[0]
        raise error
    expected = TABLE_COLUMNS[name]
    missing = [c for c in expected if c not in header]
    if missing:
        raise DataValidationError(
            f"table {name!r} lacks the columns {', '.join(missing)} (its header has "
            f"{', '.join(header)})", column=missing[0], path=str(path))
    labels = set(label_columns(name))
    na_values = {c: ([""] if c in labels else list(_DEFAULT_NA_VALUES)) for c in header}
    dtypes = {c: "string" for c in _STRING_COLUMNS if c in expected}
    dtypes.update({c: "string" for c in _DATETIME_COLUMNS.get(name, ())})
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dtypes, keep_default_na=False,
                            na_values=na_values)
    except (ValueError, pd.errors.ParserError) as err:
        raise DataValidationError(f"cannot be read as CSV: {str(err).strip()}",
                                  path=str(path)) from err
    where = _Located(path, text, len(frame))
    for col in _DATETIME_COLUMNS.get(name, ()):
        frame[col] = _parse_dates(frame, col, where)
    for col in _INTEGER_COLUMNS.get(name, ()):
        frame[col] = _parse_numbers(frame, col, where, integer=True)
    for col in _FLOAT_COLUMNS.get(name, ()):
        frame[col] = _parse_numbers(frame, col, where, integer=False)
    for col in dtypes:
        if col not in _DATETIME_COLUMNS.get(name, ()):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def load_dataset(name: str, *, directory: str | Path | None = None) -> pd.DataFrame:
    """Load one table of the bundled sample data (or of ``directory``) by name.

    Parameters
    ----------
    name : str
        One of the names in `list_datasets` (``"surveys"``, ``"tickets"``, ...).
    directory : str or Path, optional
        A folder holding ``<name>.csv`` or ``<name>.csv.gz``; default the bundled data.

    Returns
    -------
    pandas.DataFrame
        The table, with date columns parsed to ``datetime64`` and identifiers as strings.

    Examples
    --------
    >>> load_dataset("competitor_published").head(2)
      competitor quarter     n  promoters_pct  detractors_pct
    0    Contoso  2024Q4  1053          42.6            18.9
    1    Contoso  2025Q1   925          48.1            16.9
    """
    if name not in TABLE_COLUMNS:
        listed = ", ".join(repr(k) for k in TABLE_COLUMNS)
        raise ValueError(f"name={name!r} is not a known table; choose one of {listed}")
    folder = DATA_DIR if directory is None else Path(directory)
    path = find_table(folder, name)
    if path is None:
        raise FileNotFoundError(f"no {name}.csv or {name}.csv.gz in {folder}")
    return _read_table(path, name)


def list_datasets() -> pd.DataFrame:
    """The registry ``datasets.csv``: ``name, file, rows, columns, description``."""
    return pd.read_csv(DATA_DIR / "datasets.csv")


def load_surveys() -> pd.DataFrame:
    """Survey answers (``response_id, customer_id, team, channel, quarter, date, nps, csat,
    ces``).

    >>> load_surveys()[["team", "quarter", "nps", "csat", "ces"]].head(3)
             team quarter  nps  csat  ces
    0     Billing  2024Q4    7     3    4
    1  Onboarding  2024Q4    6     3    5
    2  Onboarding  2024Q4    5     2    4
    """
    return load_dataset("surveys")


def load_tickets() -> pd.DataFrame:
    """Support tickets, one row per ticket (see `kpitools.datasets.simulate.TABLE_COLUMNS`)."""
    return load_dataset("tickets")


def load_calls() -> pd.DataFrame:
    """Inbound calls, one row per call; ``answered_at`` is NaT for abandoned calls."""
    return load_dataset("calls")


def load_customers() -> pd.DataFrame:
    """Customers with ``start_date`` and ``end_date`` (NaT while active) and MRR columns."""
    return load_dataset("customers")


def load_agents() -> pd.DataFrame:
    """Agents: ``agent_id, team, start_date, end_date``."""
    return load_dataset("agents")


def load_agent_availability() -> pd.DataFrame:
    """Available hours: ``agent_id, period, available_hours`` (period is a quarter)."""
    return load_dataset("agent_availability")


def load_competitor_surveys() -> pd.DataFrame:
    """Raw NPS answers about a competitor: ``competitor, quarter, nps``."""
    return load_dataset("competitor_surveys")


def load_competitor_published() -> pd.DataFrame:
    """Published competitor NPS: ``competitor, quarter, n, promoters_pct, detractors_pct``."""
    return load_dataset("competitor_published")


def read_service_data(directory: str | Path | None = None) -> ServiceData:
    """Read every table of a data folder (the bundled sample data when ``directory`` is None).

    A table that is absent from the folder comes back as an empty frame with the standard
    columns, so that a report can leave out its section.

    Examples
    --------
    >>> data = read_service_data()
    >>> len(data.tickets), len(data.customers)
    (6088, 2436)
    """
    folder = DATA_DIR if directory is None else Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist")
    tables = {}
    for name, columns in TABLE_COLUMNS.items():
        path = find_table(folder, name)
        if path is None:
            tables[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        else:
            tables[name] = _read_table(path, name)
    return ServiceData(**tables)


def load_sample_data() -> ServiceData:
    """Every table of the bundled sample data."""
    return read_service_data(None)


def fingerprint(directory: str | Path | None = None) -> str:
    """SHA-256 over the table files of a data folder (name and bytes, in name order).

    Reports record it as the provenance of their input.
    """
    folder = DATA_DIR if directory is None else Path(directory)
    digest = hashlib.sha256()
    for name in sorted(TABLE_COLUMNS):
        path = find_table(folder, name)
        if path is None:
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def regenerate(directory: str | Path | None = None, *, seed: int = DEFAULT_SEED,
               scale: float = 1.0) -> Path:
    """Rebuild the sample data (and its ``datasets.csv``) with the generator.

    Run ``python -m kpitools.datasets`` to rebuild the bundled copy.
    """
    folder = DATA_DIR if directory is None else Path(directory)
    data = simulate_service_data(seed=seed, scale=scale)
    rows = []
    for path, (name, frame) in zip(data.write(folder), data.tables().items(), strict=True):
        rows.append({"name": name, "file": path.name, "rows": len(frame),
                     "columns": " ".join(frame.columns), "description": TABLE_DESCRIPTIONS[name]})
    pd.DataFrame(rows).to_csv(folder / "datasets.csv", index=False)
    return folder
