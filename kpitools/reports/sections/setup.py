"""The set-up of a report: read the data, resolve the period, record the provenance."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.reports.sections.common import UNREAD_SURVEY_COLUMNS as SURVEY_IDENTIFIERS
from kpitools.reports.sections.common import ReportTable, _esc
from kpitools.reports.sections.quality import DEFAULT_MAX_EXCLUDED_SHARE, check_data_quality
from kpitools.tables.schema import ANSWER_COUNT

__all__ = ["load_data", "count_answers", "resolve_period", "data_quarters", "data_periods",
           "quarter_of", "provenance", "report_periods", "keep_report_periods",
           "ReportSetup", "setup_report"]


def load_data(data_dir: str | Path = "", *, strict: bool = False,
              max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
              identifiers: bool = True, counted: bool = False, days: bool = False) -> Any:
    """Read a data folder (``""`` for the bundled sample data) as a `ServiceData`.

    A folder of Parquet tables or a ``.duckdb`` file is checked in DuckDB and only our
    columns of its valid rows are read (`kpitools.engines.warehouse.read_warehouse`).

    Invalid rows are excluded and listed in ``data.quality``; ``strict`` makes any of them
    an error, and more than ``max_excluded_share`` of a table's rows is one (see
    `check_data_quality`).

    ``identifiers=False`` leaves ``response_id`` and ``customer_id`` out of the survey
    table and ``customer_id`` out of the ticket table (no report section reads them; a
    Parquet folder or ``.duckdb`` file then never brings them to pandas, which at tens of
    millions of rows is most of the memory).

    ``counted=True`` gives ``data.surveys`` as counts (`count_answers`: one row per distinct
    answer with its number in ``answers``, identifiers left out), counted by DuckDB for a
    Parquet folder or ``.duckdb`` file, so that no row per answer reaches pandas. The
    report sections read it as the answers.

    ``days=True`` reads the tickets and calls of a Parquet folder or ``.duckdb`` file as
    their distinct teams and days only (``team`` and ``created_at`` / ``offered_at`` to the
    day; `kpitools.engines.warehouse.read_warehouse`): enough to check the data, resolve a
    period (`resolve_period`) and list the teams. A CSV folder is read whole.
    """
    from kpitools.datasets import read_service_data

    folder = str(data_dir) if str(data_dir) else None
    if folder is not None and _is_warehouse(folder):
        from kpitools.datasets.validate import raise_first_error
        from kpitools.engines.warehouse import read_warehouse

        report = read_warehouse(folder, strict=strict, max_excluded_share=max_excluded_share,
                                identifiers=identifiers, counted=counted, days=days)
        raise_first_error(report.errors, report.directory, report)
        data = report.tables
    else:
        data = read_service_data(folder, strict=strict, max_excluded_share=max_excluded_share)
        if not identifiers:
            from kpitools.engines.warehouse import UNREAD_IDENTIFIERS

            data = dataclasses.replace(data, **{
                name: getattr(data, name).drop(columns=[
                    c for c in columns if c in getattr(data, name).columns])
                for name, columns in UNREAD_IDENTIFIERS.items()})
        if counted:
            data = dataclasses.replace(data, surveys=count_answers(data.surveys))
    check_data_quality(data, strict=strict, max_excluded_share=max_excluded_share)
    return data


def report_periods(period: str) -> list[str]:
    """The periods a report reads from the tickets and calls: ``period``, the one before
    and the one a year before (`kpitools.reports.sections.operations_table`).

    >>> report_periods("2026Q3"), report_periods("2026-W14")
    (['2026Q3', '2026Q2', '2025Q3'], ['2026-W14', '2026-W13', '2025-W14'])
    """
    from kpitools.reports.sections.common import previous_period, year_ago

    return list(dict.fromkeys([period, previous_period(period), year_ago(period)]))


def keep_report_periods(data: Any, period: str, data_dir: str | Path = "", *,
                        strict: bool = False,
                        max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                        identifiers: bool = True) -> Any:
    """``data`` (a `ServiceData`) with only the tickets and calls of `report_periods` of
    ``period`` (and those without a date): what the report sections read of them.

    From a Parquet folder or ``.duckdb`` file ``data_dir`` the rows are read as such by
    DuckDB (`kpitools.engines.warehouse.read_warehouse` with ``within=``), so that a long
    history never comes to pandas; ``data`` may then be the ``days=True`` read of
    `load_data`. Otherwise ``data``'s own rows are kept. Either way the rows left out are
    summed up in each frame's ``attrs`` (`kpitools.tables.windows`: a section still tells
    "none in this period" from "none in the folder"), every row was checked, and the
    data-quality table still counts whole tables.

    >>> data = load_data()
    >>> kept = keep_report_periods(data, "2026Q3")
    >>> len(kept.tickets) < len(data.tickets)
    True
    >>> sorted(quarter_of(kept.tickets, "created_at").unique())
    ['2025Q3', '2026Q2', '2026Q3']
    """
    from kpitools.engines.warehouse import EVENT_DATES
    from kpitools.tables.windows import period_ranges, presence_patterns, with_outside

    periods = report_periods(period)
    if str(data_dir) and _is_warehouse(data_dir):
        from kpitools.datasets.validate import raise_first_error
        from kpitools.engines.warehouse import read_warehouse

        report = read_warehouse(str(data_dir), strict=strict,
                                max_excluded_share=max_excluded_share, identifiers=identifiers,
                                tables=tuple(EVENT_DATES), within=period_ranges(periods))
        raise_first_error(report.errors, report.directory, report)
        return dataclasses.replace(data, **{name: getattr(report.tables, name)
                                            for name in EVENT_DATES})
    from kpitools.reports.sections.common import date_period_codes, period_kind

    kept = {}
    for name, column in EVENT_DATES.items():
        frame = getattr(data, name)
        if column not in frame.columns:
            kept[name] = frame
            continue
        codes = date_period_codes(frame[column], period_kind(period), periods)
        inside = (codes >= 0) | frame[column].isna().to_numpy()
        kept[name] = with_outside(frame.loc[inside].reset_index(drop=True),
                                  presence_patterns(frame.loc[~inside], column))
    return dataclasses.replace(data, **kept)


def count_answers(surveys: pd.DataFrame) -> pd.DataFrame:
    """The survey answers as counts: one row per distinct combination of the columns the
    report sections read (``quarter``, ``date`` to the day, ``team``, ``channel``, ``nps``,
    ``csat``, ``ces``; a missing value is a value) with ``answers``, its number of answers.

    Every section gives the same numbers from it as from the answers (`kpitools.summarize`
    and `kpitools.compare` read ``answers`` as frequency weights), in memory bounded by the
    distinct combinations instead of the answers: a quarter's surveys hold at most 385
    distinct (nps, csat, ces) answers per team, channel and day. The identifiers
    (``response_id``, ``customer_id``) are left out, and the time of day of ``date``: the
    periods of a report (quarter, month, ISO week) and the dates it shows are days.

    >>> s = pd.DataFrame({"team": ["A", "A", "B"], "nps": [9, 9, None],
    ...                   "date": pd.to_datetime(["2026-07-01 09:00", "2026-07-01 17:30",
    ...                                           "2026-07-02 08:00"])})
    >>> count_answers(s)
      team  nps       date  answers
    0    A  9.0 2026-07-01        2
    1    B  NaN 2026-07-02        1
    """
    columns = [c for c in surveys.columns
               if c not in SURVEY_IDENTIFIERS and c != ANSWER_COUNT]
    frame = surveys[columns]
    if "date" in columns and pd.api.types.is_datetime64_any_dtype(frame["date"]):
        frame = frame.assign(date=frame["date"].dt.floor("D"))
    if not columns:
        return pd.DataFrame({ANSWER_COUNT: pd.Series([len(surveys)] if len(surveys) else [],
                                                     dtype="int64")})
    weights = (surveys[ANSWER_COUNT] if ANSWER_COUNT in surveys.columns
               else pd.Series(1, index=surveys.index, dtype="int64"))
    counted = (weights.groupby([frame[c] for c in columns], dropna=False, observed=True,
                               sort=True).sum())
    out = counted.rename(ANSWER_COUNT).reset_index()
    out = out[out[ANSWER_COUNT] > 0].reset_index(drop=True)
    out[ANSWER_COUNT] = out[ANSWER_COUNT].astype("int64")
    return out


#: Where each table says when a row happened: a quarter label or a timestamp column.
QUARTER_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("surveys", "quarter", "quarter"),
    ("tickets", "created_at", "timestamp"),
    ("calls", "offered_at", "timestamp"),
    ("calls_summary", "period_start", "timestamp"),  # call totals per month
    ("competitor_surveys", "quarter", "quarter"),
    ("competitor_published", "quarter", "quarter"),
)


def quarter_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """The quarter (``"2026Q3"``) of each row of ``frame`` from a quarter label or timestamp
    column; missing where the row has none.

    >>> quarter_of(pd.DataFrame({"t": ["2026-07-01 10:00", None]}), "t").tolist()
    ['2026Q3', nan]
    """
    values = frame[column]
    if column == "quarter":
        labels = values.astype(object)
        return labels.where(labels.isna(), labels.astype(str))
    when = pd.to_datetime(values, errors="coerce")
    return when.dt.to_period("Q").astype(str).where(when.notna())


def data_quarters(data: Any) -> list[str]:
    """The quarters that have rows in any table of ``data`` (survey quarters, ticket
    ``created_at``, call ``offered_at``, competitor quarters), sorted.

    ``data`` is a `ServiceData` or a data frame with a ``quarter`` column.

    >>> data_quarters(pd.DataFrame({"quarter": ["2026Q3", "2026Q2", None]}))
    ['2026Q2', '2026Q3']
    """
    from kpitools.tables.periods import parse_quarter

    if isinstance(data, pd.DataFrame):
        frames = [("surveys", data, "quarter")] if "quarter" in data.columns else []
    else:
        frames = [(t, getattr(data, t), c) for t, c, _ in QUARTER_SOURCES
                  if hasattr(data, t) and c in getattr(data, t).columns]
    found: set[str] = set()
    for table, frame, column in frames:
        if not len(frame):
            continue
        present = _category_quarters(frame, column)
        if present is not None and all(_is_quarter(q, parse_quarter) for q in present):
            found.update(present)  # every label a quarter: read from the categories
            continue
        labels = quarter_of(frame, column).dropna().astype(str)
        bad = sorted({q for q in labels.unique() if not _is_quarter(q, parse_quarter)})
        if bad:
            rows = [str(r) for r in labels.index[labels.isin(bad)][:3]]
            raise DataValidationError(
                f"table {table!r}: {int(labels.isin(bad).sum())} quarter labels are not "
                f"quarters such as 2026Q3 (rows {', '.join(rows)}: "
                f"{', '.join(repr(q) for q in bad[:3])}); map them in kpitools.toml or give "
                "the date instead", column=column)
        found.update(labels.unique())
    return sorted(found)


def _category_quarters(frame: pd.DataFrame, column: str) -> list[str] | None:
    """The distinct labels ``quarter_of(frame, column).dropna().astype(str)`` has, from the
    categories that occur in a categorical ``quarter`` column (each converted once); None
    for another column.

    >>> _category_quarters(pd.DataFrame({"quarter": pd.Categorical(
    ...     ["2026Q3", None], categories=["2026Q2", "2026Q3"])}), "quarter")
    ['2026Q3']
    """
    values = frame[column]
    if column != "quarter" or not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    codes = values.cat.codes.to_numpy()
    seen = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
    labels = pd.Series(values.cat.categories[seen], dtype=object)
    labels = labels.where(labels.isna(), labels.astype(str)).dropna().astype(str)
    return [str(q) for q in labels.unique()]


#: Where each table says when a row happened, to the day (for months and weeks).
DATE_SOURCES: tuple[tuple[str, str], ...] = (
    ("surveys", "date"),
    ("tickets", "created_at"),
    ("calls", "offered_at"),
)


def data_periods(data: Any, kind: str = "quarter") -> list[str]:
    """The periods of ``kind`` (``"quarter"``, ``"month"`` or ``"week"``) that have rows in
    any table of ``data``, sorted.

    Quarters: as `data_quarters`. Months and ISO weeks come from the tables with dates
    (survey ``date``, ticket ``created_at``, call ``offered_at``); tables with quarter labels
    only (competitor data, surveys without dates) have no months or weeks.

    >>> s = pd.DataFrame({"date": pd.to_datetime(["2026-03-30", "2026-04-02", None])})
    >>> data_periods(s, "month"), data_periods(s, "week")
    (['2026-03', '2026-04'], ['2026-W14'])
    """
    if kind == "quarter":
        return data_quarters(data)
    from kpitools.tables.periods import period_labels

    if isinstance(data, pd.DataFrame):
        frames = [data["date"]] if "date" in data.columns else []
    else:
        frames = [getattr(data, t)[c] for t, c in DATE_SOURCES
                  if hasattr(data, t) and c in getattr(data, t).columns]
        if kind == "month" and hasattr(data, "calls_summary"):  # totals per month, not week
            frames.append(data.calls_summary["period_start"])
    found: set[str] = set()
    for values in frames:
        if len(values):
            when = pd.to_datetime(values, errors="coerce")
            labels = period_labels(when, kind).dropna()  # type: ignore[arg-type]
            found.update(str(p) for p in labels.unique())
    return sorted(found)


def _is_warehouse(path: str | Path) -> bool:
    """Whether ``path`` is a Parquet folder or a ``.duckdb`` file (read through DuckDB)."""
    from kpitools.engines.warehouse import is_warehouse

    return is_warehouse(path)


def _is_quarter(label: str, parse: Any) -> bool:
    try:
        return str(parse(label)) == label
    except ValueError:
        return False


def resolve_period(period: str, data: Any, *,
                   today: str | _dt.date | None = None, kind: str = "quarter") -> str:
    """Turn ``"last-complete"`` into a period; check that an explicit period has data.

    ``period`` is a quarter (``"2026Q3"``, ``"2026-Q3"``), a month (``"2026-03"``), an ISO
    week (``"2026-W14"``) — see `kpitools.tables.periods.parse_report_period`; a year or a
    date is refused — or ``"last-complete"``: the latest period of ``kind`` (a quarter by
    default) in the data that ended before ``today`` (default: the current date), what a
    schedule running early in a period wants.

    ``data`` is a `ServiceData` (every table with dates counts: a folder with tickets only
    has periods too) or a data frame with a ``quarter`` (or ``date``) column. The label
    returned is canonical (``"2026-Q3"`` → ``"2026Q3"``).

    >>> s = pd.DataFrame({"quarter": ["2026Q2", "2026Q3", "2026Q4"]})
    >>> resolve_period("last-complete", s, today="2026-11-29")
    '2026Q3'
    >>> s = pd.DataFrame({"date": pd.to_datetime(["2026-09-30", "2026-10-02"])})
    >>> resolve_period("last-complete", s, today="2026-10-03", kind="month")
    '2026-09'
    >>> resolve_period("2026-10", s)
    '2026-10'
    """
    from kpitools.tables.periods import parse_period, parse_report_period

    if period == "last-complete":
        if kind not in ("quarter", "month", "week"):
            raise ValueError(f"kind={kind!r} is not valid; choose one of 'quarter', 'month', "
                             "'week'")
        wanted = kind
    else:
        try:  # not pd.Period(period, freq="Q"), which reads "2026" as 2026Q1
            parsed = parse_report_period(period)
        except ValueError as err:
            raise DataValidationError(f"{err}, or last-complete") from None
        wanted = parsed.kind
    periods = data_periods(data, wanted)
    plural = f"{wanted}s"
    if not periods:
        if isinstance(data, pd.DataFrame):
            what = "survey answers"
        elif wanted == "quarter":
            what = ("rows with a date in any table (surveys.quarter, tickets.created_at, "
                    "calls.offered_at, competitor quarters)")
        else:
            what = ("rows with a date in any table (surveys.date, tickets.created_at, "
                    "calls.offered_at)")
        raise DataValidationError(f"no {what}: the data have no {plural}",
                                  column="quarter" if wanted == "quarter" else "date")
    if period == "last-complete":
        now = pd.Timestamp(today if today is not None else _dt.date.today())
        done = [p for p in periods if parse_period(p).end <= now]
        if not done:
            raise DataValidationError(
                f"no complete {wanted} in the data before {now.date()} ({plural}: "
                f"{', '.join(periods)})", column="quarter")
        return done[-1]
    canonical = str(parsed)
    if canonical not in periods:
        shown = periods if len(periods) <= 12 else [*periods[:3], "...", *periods[-3:]]
        raise DataValidationError(f"period {period!r} has no data; {plural} in the data: "
                                  f"{', '.join(shown)}", column="quarter")
    return canonical


def provenance(parameters: Mapping[str, Any], *, data_dir: str | Path = "",
               period: str | None = None) -> ReportTable:
    """Provenance of a report run: kpitools version, parameters, data SHA-256, time of the run.

    Examples
    --------
    >>> table = provenance({"period": "2026Q3"}, data_dir="")
    >>> table.data["item"].tolist()[:3]
    ['kpitools version', 'run at', 'data']
    """
    from kpitools.core.version import __version__
    from kpitools.datasets import DATA_DIR, fingerprint

    folder = Path(data_dir) if str(data_dir) else DATA_DIR
    if str(data_dir) and _is_warehouse(folder):
        from kpitools.engines.warehouse import warehouse_fingerprint

        digest = warehouse_fingerprint(folder)
    else:
        digest = fingerprint(folder)
    rows = [
        ("kpitools version", __version__),
        ("run at", _dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("data", "bundled sample data" if not str(data_dir) else str(folder)),
        ("data SHA-256", digest),
        ("python", platform.python_version()),
    ]
    if period is not None:
        rows.append(("period reported", period))
    rows += [(f"parameter {k}", repr(v)) for k, v in parameters.items()]
    data = pd.DataFrame(rows, columns=["item", "value"])
    display = pd.DataFrame({"Item": data["item"].map(_esc),
                            "Value": data["value"].map(lambda v: f"<code>{_esc(v)}</code>")})
    return ReportTable(data, display, caption="Provenance of this report")


@dataclass
class ReportSetup:
    """What a report notebook works from: its data, the resolved period and the provenance.

    Returned by `setup_report`; shown in a notebook, it is the provenance table.

    Attributes
    ----------
    data : ServiceData
        The tables of the data folder (``data.surveys``, ``data.tickets``, ...).
    period : str
        The period reported: a quarter ``"2026Q3"``, a month ``"2026-03"`` or an ISO week
        ``"2026-W14"`` (``"last-complete"`` resolved).
    parameters : dict
        Every parameter of the run as given, ``period``, ``data_dir`` and ``today`` first.
    provenance : ReportTable
        kpitools version, time of the run, data folder and its SHA-256, period, parameters.
    """

    data: Any
    period: str
    parameters: dict[str, Any]
    provenance: ReportTable

    def _repr_html_(self) -> str:
        return self.provenance._repr_html_()

    def __repr__(self) -> str:
        return repr(self.provenance)


def setup_report(*, period: str = "last-complete", data_dir: str | Path = "",
                 today: str | _dt.date | None = "",
                 parameters: Mapping[str, Any] | None = None, strict: bool = False,
                 max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                 identifiers: bool = True, counted: bool = False,
                 report_rows: bool = False) -> ReportSetup:
    """The set-up of a report notebook in one call: read the data, resolve the period, record
    the provenance.

    Parameters
    ----------
    period : str, default "last-complete"
        A quarter such as ``"2026Q3"``, a month ``"2026-03"``, an ISO week ``"2026-W14"``,
        or ``"last-complete"`` (the last complete quarter; see `resolve_period`).
    data_dir : str or Path, default ""
        Folder of the data tables (CSV, or Parquet: ``NAME.parquet`` or ``NAME/*.parquet``),
        or a ``.duckdb`` file; ``""`` for the bundled sample data.
    today : str, date or None, default ""
        Date that ``"last-complete"`` counts from; ``""`` or None for the current date.
    parameters : mapping, optional
        The notebook's other parameters, recorded in the provenance.
    strict : bool, default False
        Stop when the reader excluded any row (see `check_data_quality`).
    max_excluded_share : float, default 0.05
        Stop when more than this share of a table's rows was excluded.
    identifiers : bool, default True
        False leaves ``response_id`` and ``customer_id`` out of ``data.surveys`` and
        ``customer_id`` out of ``data.tickets`` (no section reads them; see `load_data`).
    counted : bool, default False
        True gives ``data.surveys`` as counts of the distinct answers (`count_answers`;
        counted by DuckDB for a Parquet folder or ``.duckdb`` file): the report's sections
        give the same numbers in memory bounded by the distinct answers, not their number.
    report_rows : bool, default False
        True keeps in ``data.tickets`` and ``data.calls`` only the rows of the periods the
        report sections read (`keep_report_periods`: the period, the one before, the one a
        year before), read as such by DuckDB from a Parquet folder or ``.duckdb`` file: a
        history of years never comes to pandas. The period is resolved from every row.

    Returns
    -------
    ReportSetup
        ``data``, ``period``, ``parameters`` and ``provenance``; its display is the provenance.

    Raises
    ------
    TypeError
        ``parameters`` repeats ``period``, ``data_dir`` or ``today``.
    DataValidationError
        The period is not a quarter, month or week, or has no data in any table; ``strict``
        and rows were excluded; or more than ``max_excluded_share`` of a table was excluded.

    Examples
    --------
    >>> report = setup_report(period="last-complete", today="2026-11-29",
    ...                       parameters={"confidence_level": 0.95})
    >>> report.period, len(report.data.surveys) > 0
    ('2026Q3', True)
    >>> report.provenance.data["item"].tolist()[-4:]
    ['parameter period', 'parameter data_dir', 'parameter today', 'parameter confidence_level']
    """
    others = dict(parameters or {})
    repeated = sorted({"period", "data_dir", "today", "strict", "max_excluded_share",
                       "identifiers", "counted", "report_rows"}
                      & set(others))
    if repeated:
        raise TypeError(f"setup_report() takes {', '.join(repeated)} as keyword arguments, "
                        f"not in parameters")
    data = load_data(data_dir, strict=strict, max_excluded_share=max_excluded_share,
                     identifiers=identifiers, counted=counted, days=report_rows)
    resolved = resolve_period(period, data, today=today or None)
    if report_rows:
        data = keep_report_periods(data, resolved, data_dir, strict=strict,
                                   max_excluded_share=max_excluded_share,
                                   identifiers=identifiers)
    recorded = {"period": period, "data_dir": str(data_dir), "today": today, **others}
    if strict:
        recorded["strict"] = strict
    if max_excluded_share != DEFAULT_MAX_EXCLUDED_SHARE:
        recorded["max_excluded_share"] = max_excluded_share
    return ReportSetup(data=data, period=resolved, parameters=recorded,
                       provenance=provenance(recorded, data_dir=data_dir, period=resolved))
