"""The set-up of a report: read the data, resolve the period, record the provenance."""

from __future__ import annotations

import datetime as _dt
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.reports.sections.common import ReportTable, _esc

__all__ = ["load_data", "resolve_period", "provenance", "ReportSetup", "setup_report"]


def load_data(data_dir: str | Path = "") -> Any:
    """Read a data folder (``""`` for the bundled sample data) as a `ServiceData`."""
    from kpitools.datasets import read_service_data

    return read_service_data(str(data_dir) if str(data_dir) else None)


def resolve_period(period: str, surveys: pd.DataFrame, *,
                   today: str | _dt.date | None = None) -> str:
    """Turn ``"last-complete"`` into a quarter; check that an explicit quarter has data.

    ``"last-complete"`` is the latest quarter in ``surveys["quarter"]`` that ended before
    ``today`` (default: the current date) — what a schedule running early in a quarter wants.

    >>> s = pd.DataFrame({"quarter": ["2026Q2", "2026Q3", "2026Q4"]})
    >>> resolve_period("last-complete", s, today="2026-11-29")
    '2026Q3'
    """
    quarters = sorted(surveys["quarter"].dropna().astype(str).unique())
    if not quarters:
        raise DataValidationError("no survey answers: the data have no quarters",
                                  column="quarter")
    if period == "last-complete":
        now = pd.Timestamp(today if today is not None else _dt.date.today())
        done = [q for q in quarters if (pd.Period(q, freq="Q") + 1).start_time <= now]
        if not done:
            raise DataValidationError(
                f"no complete quarter in the data before {now.date()} (quarters: "
                f"{', '.join(quarters)})", column="quarter")
        return done[-1]
    from kpitools.tables.periods import parse_quarter

    try:  # not pd.Period(period, freq="Q"), which reads "2026" as 2026Q1
        canonical = str(parse_quarter(period))
    except ValueError as err:
        raise DataValidationError(f"{err}, or last-complete") from None
    if canonical not in quarters:
        raise DataValidationError(f"period {period!r} has no data; quarters in the data: "
                                  f"{', '.join(quarters)}", column="quarter")
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
    rows = [
        ("kpitools version", __version__),
        ("run at", _dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("data", "bundled sample data" if not str(data_dir) else str(folder)),
        ("data SHA-256", fingerprint(folder)),
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
        The quarter reported, e.g. ``"2026Q3"`` (``"last-complete"`` resolved).
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
                 parameters: Mapping[str, Any] | None = None) -> ReportSetup:
    """The set-up of a report notebook in one call: read the data, resolve the period, record
    the provenance.

    Parameters
    ----------
    period : str, default "last-complete"
        A quarter such as ``"2026Q3"``, or ``"last-complete"`` (see `resolve_period`).
    data_dir : str or Path, default ""
        Folder of the data tables; ``""`` for the bundled sample data.
    today : str, date or None, default ""
        Date that ``"last-complete"`` counts from; ``""`` or None for the current date.
    parameters : mapping, optional
        The notebook's other parameters, recorded in the provenance.

    Returns
    -------
    ReportSetup
        ``data``, ``period``, ``parameters`` and ``provenance``; its display is the provenance.

    Raises
    ------
    TypeError
        ``parameters`` repeats ``period``, ``data_dir`` or ``today``.
    DataValidationError
        The period is not a quarter or has no data.

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
    repeated = sorted({"period", "data_dir", "today"} & set(others))
    if repeated:
        raise TypeError(f"setup_report() takes {', '.join(repeated)} as keyword arguments, "
                        f"not in parameters")
    data = load_data(data_dir)
    resolved = resolve_period(period, data.surveys, today=today or None)
    recorded = {"period": period, "data_dir": str(data_dir), "today": today, **others}
    return ReportSetup(data=data, period=resolved, parameters=recorded,
                       provenance=provenance(recorded, data_dir=data_dir, period=resolved))
