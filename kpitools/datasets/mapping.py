"""``kpitools.toml``: the file in a data folder that says how to read the folder's tables.

Without the file, a folder holds ``surveys.csv`` (or ``.csv.gz``), ``tickets.csv``, ... with
our column names, comma-separated, UTF-8, ISO 8601 dates. With it, any export can be read
as it comes: each ``[tables.<name>]`` section names the source file and says how to read it.

.. code-block:: toml

    version = 1

    [tables.tickets]
    file = "incident_event_log.csv"   # CSV (also .gz), Parquet (.parquet) or Excel (.xlsx)
    delimiter = ";"                   # CSV only; default ","
    decimal = ","                     # default "."
    encoding = "cp1250"               # default "utf-8" (a BOM is allowed)
    date_format = "%d/%m/%Y %H:%M"    # strftime codes; default ISO 8601
    dayfirst = true                   # when no date_format: 31/12/2026, not 12/31/2026
    timezone = "Europe/Prague"        # report in this zone's wall-clock time
    source_timezone = "UTC"           # zone of timestamps written without an offset
    na_values = ["?", "-"]            # extra spellings of a missing value
    missing = ["channel", "agent"]    # optional columns the source does not have
    filter = { "Type" = ["Incident", "Problem"] }  # read only these rows (source column = value(s))

    [tables.tickets.columns]          # our name = source column (or a list, joined by " ")
    ticket_id = "number"
    created_at = "opened_at"
    team = "assignment_group"

    [tables.tickets.values.sla_met]   # value map of one of our columns
    Y = true
    N = false

    [tables.tickets.constants]        # a column the source lacks, with one value
    channel = "portal"

    [business_hours]                  # the desk's calendar (see BusinessHours)
    timezone = "Europe/Prague"
    holidays = ["2026-12-25"]
    [business_hours.schedule]
    mon = ["08:00", "17:00"]
    fri = [["08:00", "12:00"], ["13:00", "15:00"]]

    [targets.resolution_hours]        # a target per group value
    table = "tickets"
    by = "priority"
    [targets.resolution_hours.values]
    "1 - Critical" = 4
    "2 - High" = 8

The column mapping reads *our name = the source's name*, in the same direction as the
``columns=`` argument of the KPI functions (``columns={"created_at": "opened_at"}``).

Further per-table settings: ``format`` (``"csv"``, ``"parquet"``, ``"excel"``; default from the
file's suffix), ``sheet`` (Excel), ``thousands`` (a thousands separator), ``date_formats``
(a format per timestamp column), ``units`` (``"seconds"``, ``"minutes"`` or ``"hours"`` for a
duration column given as a number), ``scales`` (``[low, high]`` of a score column, e.g.
``csat = [1, 10]``) and ``extra`` (source columns to keep under a new name, as labels, e.g.
``topic = "Topic"``).

``filter`` keeps only the rows whose source column holds one of the listed values (``{ "Measure
ID" = "H_HSP_RATING" }``, or a list of values; several columns: every one must match). It is an
equality test on the cell's text (a number also matches its numeric value), nothing is
evaluated. The rows it leaves out are counted in a note, not in the excluded rows.

`load_mapping` never raises on a mistake in the file: each one becomes a row of the data
quality table (`kpitools.datasets.quality`), so that ``kpitools validate`` lists them all.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpitools.datasets.quality import Problems
from kpitools.tables.business_hours import BusinessHours
from kpitools.tables.schema import SCHEMA, TABLE_ALIASES

__all__ = [
    "MAPPING_FILE",
    "TABLE_SETTINGS",
    "TARGET_COLUMNS",
    "TableMapping",
    "DataMapping",
    "load_mapping",
    "empty_targets_frame",
]

#: Name of the mapping file in a data folder.
MAPPING_FILE = "kpitools.toml"

#: The settings a ``[tables.<name>]`` section may hold.
TABLE_SETTINGS: tuple[str, ...] = (
    "file", "format", "sheet", "delimiter", "decimal", "thousands", "encoding", "date_format",
    "dayfirst", "timezone", "source_timezone", "na_values", "missing", "columns", "values",
    "constants", "date_formats", "units", "scales", "extra", "filter",
)
_TOP_KEYS = ("version", "tables", "business_hours", "targets")
_FORMATS = ("csv", "parquet", "excel")
_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}
#: Columns of `DataMapping.targets`.
TARGET_COLUMNS: tuple[str, ...] = ("kpi", "table", "by", "group", "target", "unit")


def empty_targets_frame() -> pd.DataFrame:
    """A targets table without rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TARGET_COLUMNS})


@dataclass(frozen=True)
class TableMapping:
    """How to read one table (the defaults read today's ``<name>.csv``)."""

    name: str
    file: str | None = None
    format: str | None = None
    sheet: str | int | None = None
    delimiter: str | None = None
    decimal: str = "."
    thousands: str | None = None
    encoding: str = "utf-8"
    date_format: str | None = None
    dayfirst: bool = False
    timezone: str | None = None
    source_timezone: str | None = None
    na_values: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    columns: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    date_formats: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    filter: Mapping[str, tuple[str | float, ...]] = field(default_factory=dict)
    from_file: bool = False

    def source(self, column: str) -> str | tuple[str, ...]:
        """The source column(s) of our ``column`` (its own name when not mapped)."""
        return self.columns.get(column, column)


@dataclass(frozen=True)
class DataMapping:
    """The whole mapping of a data folder.

    Attributes
    ----------
    path : Path or None
        The ``kpitools.toml`` read (None: no file, today's defaults).
    tables : dict
        Table name → `TableMapping` (every table; unlisted ones have the defaults).
    business_hours : BusinessHours or None
    targets : pandas.DataFrame
        ``kpi, table, by, group, target, unit``: one row per group value (``group`` None for
        a ``default`` target of every other group).
    """

    path: Path | None
    tables: dict[str, TableMapping]
    business_hours: BusinessHours | None = None
    targets: pd.DataFrame = field(default_factory=empty_targets_frame)


def _defaults() -> dict[str, TableMapping]:
    return {name: TableMapping(name) for name in SCHEMA}


class _Checker:
    """Records mistakes in the mapping file as errors of the data-quality table."""

    def __init__(self, problems: Problems, path: Path) -> None:
        self.problems = problems
        self.file = str(path)

    def error(self, table: str, column: str | None, reason: str) -> None:
        self.problems.add(table=table, column=column, severity="error",
                          reason=reason, file=self.file)


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _parse_table(name: str, section: Any, check: _Checker) -> TableMapping | None:
    if not isinstance(section, dict):
        check.error(name, None, f"[tables.{name}] must be a table of settings")
        return None
    schema = SCHEMA[name]
    ours = set(schema.names)
    kwargs: dict[str, Any] = {"name": name, "from_file": True}
    for key, value in section.items():
        if key not in TABLE_SETTINGS:
            check.error(name, None, f"unknown setting {key!r} in [tables.{name}]; valid "
                        f"settings are {', '.join(TABLE_SETTINGS)}")
            continue
        if key in ("file", "delimiter", "decimal", "thousands", "encoding", "date_format",
                   "timezone", "source_timezone", "format"):
            if not isinstance(value, str) or (key != "file" and not value):
                check.error(name, None, f"{key} must be a text value, got {value!r}")
                continue
            if key == "format" and value not in _FORMATS:
                check.error(name, None, f"format={value!r} is not valid; choose one of "
                            f"{', '.join(repr(f) for f in _FORMATS)}")
                continue
            if key == "encoding":
                try:
                    "".encode(value)
                except LookupError:
                    check.error(name, None, f"encoding={value!r} is not a known encoding "
                                "(e.g. 'utf-8', 'cp1250', 'latin-1')")
                    continue
            if key in ("timezone", "source_timezone"):
                try:
                    pd.Timestamp("2026-01-01").tz_localize(value)
                except Exception:  # noqa: BLE001 - pytz/zoneinfo raise various types
                    check.error(name, None, f"{key}={value!r} is not a known time zone "
                                "(use an IANA name such as 'Europe/Prague' or 'UTC')")
                    continue
            kwargs[key] = value
        elif key == "sheet":
            if not isinstance(value, str | int):
                check.error(name, None, f"sheet must be a sheet name or number, got {value!r}")
                continue
            kwargs[key] = value
        elif key == "dayfirst":
            if not isinstance(value, bool):
                check.error(name, None, f"dayfirst must be true or false, got {value!r}")
                continue
            kwargs[key] = value
        elif key == "na_values":
            listed = _str_list(value)
            if listed is None:
                check.error(name, None, f"na_values must be a list of texts, got {value!r}")
                continue
            kwargs[key] = listed
        elif key == "missing":
            listed = _str_list(value)
            if listed is None:
                check.error(name, None, f"missing must be a list of column names, got {value!r}")
                continue
            keep = []
            for col in listed:
                if col not in ours:
                    check.error(name, col, f"missing: {col!r} is not a column of the {name} "
                                f"table; its columns are {', '.join(schema.names)}")
                elif schema.column(col).required:
                    check.error(name, col, f"missing: {col!r} is a required column of the "
                                f"{name} table; map it to a source column instead")
                else:
                    keep.append(col)
            kwargs[key] = tuple(keep)
        elif key == "filter":
            parsed_filter = _parse_filter(name, value, check)
            if parsed_filter is not None:
                kwargs[key] = parsed_filter
        else:
            if not isinstance(value, dict):
                check.error(name, None, f"[tables.{name}.{key}] must be a table, got {value!r}")
                continue
            parsed = _parse_subtable(name, key, value, check)
            kwargs[key] = parsed
    for col in kwargs.get("missing", ()):
        for key in ("columns", "constants"):
            if col in kwargs.get(key, {}):
                check.error(name, col, f"missing: {col!r} is listed as missing but also "
                            f"given under [tables.{name}.{key}]; keep one of the two")
    return TableMapping(**kwargs)


def _parse_filter(name: str, value: Any,
                  check: _Checker) -> dict[str, tuple[str | float, ...]] | None:
    """``filter = { "source column" = value or [values] }``: texts and numbers only."""
    example = '{ "Measure ID" = ["H_HSP_RATING"] }'
    if not isinstance(value, dict) or not value:
        check.error(name, None, f"filter must be a table of source column = value or list "
                    f"of values, such as {example}; got {value!r}")
        return None
    out: dict[str, tuple[str | float, ...]] = {}
    for column, item in value.items():
        items = item if isinstance(item, list) else [item]
        ok = bool(items) and all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                 for v in items)
        if not ok:
            check.error(name, column, f"filter: the values of {column!r} must be a text or a "
                        f"number, or a non-empty list of them (an equality test, nothing "
                        f"is evaluated), such as {example}; got {item!r}")
            continue
        out[column] = tuple(v if isinstance(v, str) else float(v) for v in items)
    return out if len(out) == len(value) else None


def _parse_subtable(name: str, key: str, value: dict[str, Any],
                    check: _Checker) -> dict[str, Any]:
    schema = SCHEMA[name]
    ours = set(schema.names)
    out: dict[str, Any] = {}
    for col, item in value.items():
        if key == "extra":
            if col in ours:
                check.error(name, col, f"extra: {col!r} is one of our columns; map it under "
                            f"[tables.{name}.columns] instead")
            elif not isinstance(item, str):
                check.error(name, col, f"extra: the source column must be a text, got {item!r}")
            else:
                out[col] = item
            continue
        if col not in ours:
            check.error(name, col, f"[tables.{name}.{key}]: {col!r} is not a column of the "
                        f"{name} table; its columns are {', '.join(schema.names)}")
            continue
        kind = schema.column(col).type
        if key == "columns":
            sources = _str_list(item)
            if sources is None or not sources:
                check.error(name, col, f"columns: the source of {col!r} must be a column name "
                            f"or a list of names, got {item!r}")
                continue
            out[col] = sources[0] if isinstance(item, str) else sources
        elif key == "values":
            if not isinstance(item, dict):
                check.error(name, col, f"values: the value map of {col!r} must be a table "
                            f"such as {{ Y = true, N = false }}, got {item!r}")
                continue
            wanted = {"flag": bool, "number": int | float, "label": str,
                      "duration": int | float, "timestamp": str}[kind]
            bad = {k: v for k, v in item.items()
                   if not isinstance(v, wanted) or (kind == "number" and isinstance(v, bool))}
            if bad:
                check.error(name, col, f"values: {col!r} is a {kind} column, so its value map "
                            f"must give {_kind_word(kind)}; got {bad!r}")
                continue
            out[col] = dict(item)
        elif key == "constants":
            out[col] = item
        elif key == "date_formats":
            if kind != "timestamp" or not isinstance(item, str):
                check.error(name, col, f"date_formats: {col!r} must be a timestamp column with "
                            f"a text format, got {item!r}")
                continue
            out[col] = item
        elif key == "units":
            if kind != "duration" or item not in _UNITS:
                check.error(name, col, f"units: {col!r} must be a duration column with one of "
                            f"{', '.join(repr(u) for u in _UNITS)}, got {item!r}")
                continue
            out[col] = _UNITS[item]
        elif key == "scales":
            if (kind != "number" or not isinstance(item, list) or len(item) != 2
                    or not all(isinstance(v, int | float) for v in item) or item[0] >= item[1]):
                check.error(name, col, f"scales: {col!r} must be a score column with "
                            f"[low, high], low < high, got {item!r}")
                continue
            out[col] = (item[0], item[1])
    return out


def _kind_word(kind: str) -> str:
    return {"flag": "true or false", "number": "numbers", "label": "texts",
            "duration": "numbers of seconds", "timestamp": "texts"}[kind]


def _parse_business_hours(value: Any, check: _Checker) -> BusinessHours | None:
    if not isinstance(value, dict):
        check.error("business_hours", None, "[business_hours] must be a table")
        return None
    unknown = set(value) - {"schedule", "holidays", "timezone"}
    if unknown:
        check.error("business_hours", None, f"unknown settings {sorted(unknown)} in "
                    "[business_hours]; valid are schedule, holidays, timezone")
    schedule = value.get("schedule", {})
    spans: dict[str, Any] = {}
    if isinstance(schedule, dict):
        for day, item in schedule.items():
            if isinstance(item, list) and len(item) == 2 and all(isinstance(v, str)
                                                                for v in item):
                spans[day] = [tuple(item)]
            elif isinstance(item, list) and all(isinstance(v, list) for v in item):
                spans[day] = [tuple(v) for v in item]
            else:
                check.error("business_hours", None, f"schedule.{day} must be [\"09:00\", "
                            f"\"17:00\"] or a list of such pairs, got {item!r}")
                return None
    try:
        return BusinessHours(spans, holidays=tuple(value.get("holidays", ())),
                             tz=value.get("timezone"))
    except Exception as err:  # noqa: BLE001 - any mistake becomes one listed error
        check.error("business_hours", None, f"[business_hours]: {err}")
        return None


def _parse_targets(value: Any, check: _Checker) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if not isinstance(value, dict):
        check.error("targets", None, "[targets] must be a table of [targets.<kpi>] sections")
        return empty_targets_frame()
    for kpi, spec in value.items():
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            rows.append({"kpi": kpi, "table": None, "by": None, "group": None,
                         "target": float(spec), "unit": None})
            continue
        if not isinstance(spec, dict):
            check.error("targets", None, f"[targets.{kpi}] must be a number or a table")
            continue
        unknown = set(spec) - {"table", "by", "values", "default", "unit"}
        if unknown:
            check.error("targets", None, f"unknown settings {sorted(unknown)} in "
                        f"[targets.{kpi}]; valid are table, by, values, default, unit")
        table, by = spec.get("table"), spec.get("by")
        key = TABLE_ALIASES.get(table, table) if isinstance(table, str) else None
        if table is not None and key not in SCHEMA:
            check.error("targets", by, f"[targets.{kpi}]: table={table!r} is not a table")
        elif key is not None and by is not None and by not in SCHEMA[key].names:
            check.error("targets", by, f"[targets.{kpi}]: by={by!r} is not a column of the "
                        f"{table} table")
        values = spec.get("values", {})
        if values and by is None:
            check.error("targets", None, f"[targets.{kpi}]: values per group need by = "
                        "\"<column>\"")
        for group, target in (values.items() if isinstance(values, dict) else ()):
            if not isinstance(target, int | float) or isinstance(target, bool):
                check.error("targets", by, f"[targets.{kpi}]: the target of {group!r} must be "
                            f"a number, got {target!r}")
                continue
            rows.append({"kpi": kpi, "table": table, "by": by, "group": group,
                         "target": float(target), "unit": spec.get("unit")})
        if "default" in spec:
            rows.append({"kpi": kpi, "table": table, "by": by, "group": None,
                         "target": float(spec["default"]), "unit": spec.get("unit")})
    if not rows:
        return empty_targets_frame()
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))


def load_mapping(directory: str | Path, problems: Problems | None = None) -> DataMapping:
    """Read ``directory/kpitools.toml`` (today's defaults when there is none).

    Parameters
    ----------
    directory : str or Path
        The data folder.
    problems : Problems, optional
        Collects every mistake in the file as an error row; without it the first mistake
        raises `ValueError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "kpitools.toml").write_text(
    ...     '[tables.tickets]\\nfile = "export.csv"\\n[tables.tickets.columns]\\n'
    ...     'created_at = "opened_at"\\n', encoding="utf-8")
    >>> mapping = load_mapping(folder)
    >>> mapping.tables["tickets"].file, mapping.tables["tickets"].source("created_at")
    ('export.csv', 'opened_at')
    """
    folder = Path(directory)
    path = folder / MAPPING_FILE
    own = problems if problems is not None else Problems()
    if not path.is_file():
        return DataMapping(None, _defaults())
    check = _Checker(own, path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        check.error("", None, f"cannot be read as TOML: {err}")
        _raise_first(own, problems)
        return DataMapping(path, _defaults())
    for key in raw:
        if key not in _TOP_KEYS:
            check.error("", None, f"unknown top-level key {key!r}; valid keys are "
                        f"{', '.join(_TOP_KEYS)}")
    if raw.get("version", 1) != 1:
        check.error("", None, f"version={raw.get('version')!r} is not supported (use 1)")
    tables = _defaults()
    sections = raw.get("tables", {})
    if not isinstance(sections, dict):
        check.error("", None, "[tables] must hold [tables.<name>] sections")
        sections = {}
    for name, section in sections.items():
        key = TABLE_ALIASES.get(name, name)
        if key not in SCHEMA:
            check.error(name, None, f"[tables.{name}]: {name!r} is not a table; the tables are "
                        f"{', '.join(SCHEMA)}")
            continue
        parsed = _parse_table(key, section, check)
        if parsed is not None:
            tables[key] = parsed
    hours = (_parse_business_hours(raw["business_hours"], check)
             if "business_hours" in raw else None)
    targets = _parse_targets(raw["targets"], check) if "targets" in raw else empty_targets_frame()
    _raise_first(own, problems)
    return DataMapping(path, tables, hours, targets)


def _raise_first(own: Problems, given: Problems | None) -> None:
    if given is None and own.records:
        first = own.records[0]
        raise ValueError(f"{first['file']}: {first['reason']}")
