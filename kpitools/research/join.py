"""Data for retention research: survey answers joined to customers in time order.

To ask whether satisfaction *predicts* retention, satisfaction must be measured before the
churn it is meant to predict. `join_satisfaction` fixes an outcome window
``[window_start, window_end)``, keeps the customers who were active at its start (the
cohort), and gives each the satisfaction measured by surveys dated **strictly before**
``window_start`` (the latest answer, or the mean of the answers). Surveys dated on or after
the window start would look ahead into the outcome period: they are excluded and counted
(``n_lookahead``), never used. Customers with no earlier survey cannot be matched; they are
counted (``n_unmatched``) and listed (``unmatched``).

==============================  ===========================================================
`join_satisfaction`             time-ordered join of surveys to customers (no look-ahead)
`satisfaction_group`            satisfaction scores → ordered groups (NPS categories, ...)
`load_retention_data`           one call for a notebook: a per-customer CSV, a data folder
                                or the bundled sample data
`sample_retention_data`         the bundled sample data, joined with the default window
`research_provenance`           kpitools version, parameters and SHA-256 of the data
==============================  ===========================================================

Examples
--------
>>> from kpitools.datasets import load_customers, load_surveys
>>> joined = join_satisfaction(load_customers(), load_surveys(),
...                            window_start="2026-01-01", window_end="2026-10-01")
>>> joined
<RetentionData 1248 customers matched of 1347 at risk on 2026-01-01 (99 unmatched); \
5943 surveys used, 3261 look-ahead surveys excluded>
>>> joined.data[["customer_id", "nps", "churned", "duration_days"]].head(3)
  customer_id  nps  churned  duration_days
0      C00002   10        0            273
1      C00005    4        0            273
2      C00006    8        0            273
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import EXCLUDED_COLUMNS, empty_excluded
from kpitools.core.validation import check_choice
from kpitools.research.prepare import as_list, require_columns

__all__ = [
    "RetentionData",
    "RETENTION_DATA_COLUMNS",
    "JOIN_HOW",
    "SATISFACTION_SCALES",
    "join_satisfaction",
    "satisfaction_group",
    "load_retention_data",
    "sample_retention_data",
    "research_provenance",
    "SAMPLE_WINDOW",
]

#: How several earlier surveys of one customer become one value.
JOIN_HOW: tuple[str, ...] = ("latest", "mean")
#: Scales that `satisfaction_group` knows.
SATISFACTION_SCALES: tuple[str, ...] = ("auto", "0-10", "1-5", "1-7")
#: The outcome window used for the bundled sample data (start inclusive, end exclusive).
SAMPLE_WINDOW: tuple[str, str] = ("2026-01-01", "2026-10-01")

#: Columns of `RetentionData.to_frame` (one row: how the analysis data were made).
RETENTION_DATA_COLUMNS: tuple[str, ...] = (
    "source", "window_start", "window_end", "how", "n_customers", "n_matched", "n_unmatched",
    "n_surveys_used", "n_lookahead", "n_not_in_cohort", "n_orphan_surveys", "n_excluded",
)

_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class RetentionData:
    """Per-customer analysis data and the bookkeeping of how it was made.

    Attributes
    ----------
    data : DataFrame
        One row per matched customer: ``customer_id``, the satisfaction columns, ``n_surveys``,
        ``last_survey_date``, ``survey_age_days``, ``churned`` (0/1, churned within the
        window), ``duration_days`` (days from the window start to churn or to the window
        end), ``tenure_months`` (at the window start), then the other customer columns.
    window_start, window_end : Timestamp or None
        The outcome window (None for data that came as one row per customer).
    how : str
        ``"latest"`` or ``"mean"``.
    n_customers : int
        Customers in the cohort (active at the window start).
    n_matched, n_unmatched : int
        Cohort customers with and without a survey before the window start.
    unmatched : DataFrame
        ``customer_id, reason`` of the unmatched customers.
    n_surveys_used : int
        Survey answers that went into the satisfaction values.
    n_lookahead : int
        Surveys of cohort customers dated on or after the window start, excluded.
    n_not_in_cohort : int
        Customers not active at the window start (joined later or churned before).
    n_orphan_surveys : int
        Surveys whose customer id is not in the customer table.
    excluded : DataFrame
        ``row, column, value, reason`` for every survey row left out (look-ahead, orphan,
        missing date); ``row`` is the survey table's index label.
    source : str
        ``"join"`` or ``"table"``.
    """

    data: pd.DataFrame
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    how: str
    n_customers: int
    n_matched: int
    n_unmatched: int
    n_surveys_used: int
    n_lookahead: int
    n_not_in_cohort: int
    n_orphan_surveys: int
    unmatched: pd.DataFrame = field(repr=False, compare=False,
                                    default_factory=lambda: pd.DataFrame(
                                        {"customer_id": [], "reason": []}))
    excluded: pd.DataFrame = field(default_factory=empty_excluded, repr=False, compare=False)
    source: str = "join"

    def to_frame(self) -> pd.DataFrame:
        """The bookkeeping as one tidy row with the columns of `RETENTION_DATA_COLUMNS`.

        ``n_excluded`` counts the survey rows left out (``excluded``); the analysis data
        themselves are ``data``.

        >>> from kpitools.research.join import sample_retention_data
        >>> sample_retention_data().to_frame()[["n_customers", "n_matched", "n_lookahead"]]
           n_customers  n_matched  n_lookahead
        0         1347       1248         3261
        """
        row = {c: getattr(self, c) for c in RETENTION_DATA_COLUMNS if c != "n_excluded"}
        row["n_excluded"] = len(self.excluded)
        frame = pd.DataFrame([row], columns=list(RETENTION_DATA_COLUMNS))
        for column in ("window_start", "window_end"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    def summary(self) -> pd.DataFrame:
        """The bookkeeping as a two-column frame ``item, value``."""
        if self.source != "join":
            return pd.DataFrame(
                [("satisfaction from", "the data table (one row per customer)"),
                 ("customers", self.n_matched),
                 ("time order", "not checked: the table has no survey dates")],
                columns=["item", "value"])
        start = "" if self.window_start is None else self.window_start.date().isoformat()
        end = "" if self.window_end is None else self.window_end.date().isoformat()
        rows = [
            ("outcome window start", start),
            ("outcome window end (exclusive)", end),
            ("satisfaction from", f"{self.how} survey before the window start"
             if self.source == "join" else "the data table"),
            ("customers at risk at the window start", self.n_customers),
            ("matched to an earlier survey", self.n_matched),
            ("not matched (no survey before the window start)", self.n_unmatched),
            ("surveys used", self.n_surveys_used),
            ("look-ahead surveys excluded (dated on/after the window start)", self.n_lookahead),
            ("customers not at risk (joined after or left before the window start)",
             self.n_not_in_cohort),
            ("surveys of unknown customers", self.n_orphan_surveys),
        ]
        return pd.DataFrame(rows, columns=["item", "value"])

    def __repr__(self) -> str:
        if self.source != "join":
            return f"<RetentionData {self.n_matched} customers from a table>"
        start = self.window_start.date().isoformat() if self.window_start is not None else ""
        return (f"<RetentionData {self.n_matched} customers matched of {self.n_customers} at "
                f"risk on {start} ({self.n_unmatched} unmatched); {self.n_surveys_used} surveys "
                f"used, {self.n_lookahead} look-ahead surveys excluded>")

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().itertuples(index=False))
        return (f"<table class='kpitools-result'><caption>Retention data</caption>{body}"
                "</table>")


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name}={value!r} is not a date such as '2026-01-01'") from None
    if ts is pd.NaT:
        raise ValueError(f"{name}={value!r} is not a date such as '2026-01-01'")
    return ts


def _dates(series: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    converted = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = converted.isna() & series.notna() & (series.astype(str).str.strip() != "")
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum())} value(s) not a date", column=column,
            rows=list(series.index[bad]), values=list(series[bad]))
    return converted


def _excluded_rows(index: pd.Index, values: pd.Series, column: str,
                   reason: str) -> pd.DataFrame:
    return pd.DataFrame({"row": index.to_numpy(), "column": column,
                         "value": values.to_numpy(dtype=object), "reason": reason},
                        columns=list(EXCLUDED_COLUMNS))


def join_satisfaction(
    customers: pd.DataFrame,
    surveys: pd.DataFrame,
    *,
    window_start: Any,
    window_end: Any,
    scores: str | Sequence[str] | None = None,
    how: Literal["latest", "mean"] = "latest",
    max_age_days: int | None = None,
    customer_id: str = "customer_id",
    survey_date: str = "date",
    start_date: str = "start_date",
    end_date: str = "end_date",
) -> RetentionData:
    """Join survey answers measured before an outcome window to the customers at risk in it.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``customer_id``, ``start_date`` and ``end_date`` (NaT while
        active); other columns (segment, team, mrr, ...) are carried along as covariates.
    surveys : DataFrame
        One row per answer with ``customer_id``, ``date`` and the score columns.
    window_start, window_end : date-like
        The outcome window ``[window_start, window_end)``: churn in it is the outcome.
    scores : str or list of str, optional
        Score columns to carry (default: whichever of ``nps``, ``csat``, ``ces`` exist).
    how : {"latest", "mean"}, default "latest"
        ``"latest"``: each score's most recent non-missing answer before the window start;
        ``"mean"``: the mean of all answers before the window start.
    max_age_days : int, optional
        Ignore answers older than this many days at the window start.
    customer_id, survey_date, start_date, end_date : str
        Column names, if yours differ.

    Returns
    -------
    RetentionData
        ``data`` (one row per matched customer) and the counts: cohort, matched, unmatched,
        look-ahead surveys excluded, surveys of unknown customers.

    Raises
    ------
    DataValidationError
        Missing columns, duplicated customer ids, dates that are not dates.
    ValueError
        ``window_end`` not after ``window_start``; an unknown ``how``.

    Notes
    -----
    Cohort: ``start_date < window_start`` and (``end_date`` missing or
    ``end_date ≥ window_start``). Outcome: ``churned = window_start ≤ end_date <
    window_end``; ``duration_days`` runs from the window start to the churn date, or is
    censored at the window end (a landmark analysis [AGC83]_). Only surveys with
    ``date < window_start`` are used, so the predictor precedes the outcome.

    References
    ----------
    .. [AGC83] Anderson JR, Cain KC, Gelber RD (1983). Analysis of survival by tumor
       response. J Clin Oncol 1:710–719 (the landmark method).

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b"],
    ...     "start_date": pd.to_datetime(["2025-01-01", "2025-01-01"]),
    ...     "end_date": pd.to_datetime(["2026-03-01", None])})
    >>> surveys = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "date": pd.to_datetime(["2025-06-01", "2026-02-01", "2026-02-01"]),
    ...     "nps": [3, 10, 9]})
    >>> j = join_satisfaction(customers, surveys, window_start="2026-01-01",
    ...                       window_end="2026-07-01")
    >>> j.data[["customer_id", "nps", "churned"]]
      customer_id  nps  churned
    0           a    3        1
    >>> j.n_unmatched, j.n_lookahead
    (1, 2)
    """
    check_choice("how", how, JOIN_HOW)
    t0 = _timestamp(window_start, "window_start")
    t1 = _timestamp(window_end, "window_end")
    if t1 <= t0:
        raise ValueError(f"window_end ({t1.date()}) must be after window_start ({t0.date()})")
    require_columns(customers, [customer_id, start_date, end_date], what="customers")
    if scores is None:
        score_cols = [c for c in ("nps", "csat", "ces") if c in surveys.columns]
        if not score_cols:
            raise DataValidationError("no score column given and none of nps, csat, ces in "
                                      "the surveys", column=None)
    else:
        score_cols = as_list(scores)
    require_columns(surveys, [customer_id, survey_date, *score_cols], what="surveys")
    ids = customers[customer_id]
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataValidationError("customer ids must be unique in the customer table",
                                  column=customer_id, rows=list(customers.index[dup]),
                                  values=list(ids[dup]))

    cust = customers.copy()
    cust[start_date] = _dates(cust[start_date], start_date)
    cust[end_date] = _dates(cust[end_date], end_date)
    at_risk = (cust[start_date] < t0) & (cust[end_date].isna() | (cust[end_date] >= t0))
    cohort = cust[at_risk.to_numpy()]
    cohort_ids = set(cohort[customer_id])
    known_ids = set(ids)

    sv = surveys[[customer_id, survey_date, *score_cols]].copy()
    sv[survey_date] = _dates(sv[survey_date], survey_date)
    pieces = []
    no_date = sv[survey_date].isna().to_numpy()
    orphan = ~sv[customer_id].isin(known_ids).to_numpy() & ~no_date
    in_cohort = sv[customer_id].isin(cohort_ids).to_numpy()
    lookahead = in_cohort & ~no_date & (sv[survey_date] >= t0).to_numpy()
    too_old = np.zeros(len(sv), dtype=bool)
    if max_age_days is not None:
        too_old = in_cohort & ~no_date & ~lookahead & (
            (t0 - sv[survey_date]).dt.days > max_age_days).to_numpy()
    for mask, column, reason in (
        (no_date, survey_date, "missing survey date"),
        (orphan, customer_id, "customer not in the customer table"),
        (lookahead, survey_date, "look-ahead: dated on or after the window start"),
        (too_old, survey_date, f"older than {max_age_days} days at the window start"),
    ):
        if mask.any():
            pieces.append(_excluded_rows(sv.index[mask], sv.loc[mask, column], column, reason))
    usable = sv[in_cohort & ~no_date & ~lookahead & ~too_old]
    for col in score_cols:
        usable[col] = pd.to_numeric(usable[col], errors="raise").astype(float)
    usable = usable.sort_values([customer_id, survey_date], kind="stable")
    grouped = usable.groupby(customer_id, sort=True)
    if how == "latest":
        values = grouped[score_cols].last()  # last non-missing answer per column
    else:
        values = grouped[score_cols].mean()
    per_customer = pd.DataFrame({
        "n_surveys": grouped.size(),
        "last_survey_date": grouped[survey_date].max(),
    }).join(values)
    per_customer["survey_age_days"] = (t0 - per_customer["last_survey_date"]).dt.days

    merged = cohort.merge(per_customer, how="left", left_on=customer_id, right_index=True)
    matched = merged["n_surveys"].notna().to_numpy()
    unmatched = pd.DataFrame({"customer_id": merged.loc[~matched, customer_id].to_numpy(),
                              "reason": "no survey before the window start"})
    out = merged[matched].copy()
    ends = out[end_date]
    churned = (ends.notna() & (ends >= t0) & (ends < t1)).to_numpy()
    stop = np.where(churned, ends.to_numpy(dtype="datetime64[ns]"),
                    np.datetime64(t1.to_datetime64(), "ns"))
    out["churned"] = churned.astype(int)
    out["duration_days"] = ((stop - np.datetime64(t0.to_datetime64(), "ns"))
                            / np.timedelta64(1, "D")).astype(int)
    out["tenure_months"] = ((t0 - out[start_date]).dt.days / _DAYS_PER_MONTH).astype(float)
    out["n_surveys"] = out["n_surveys"].astype(int)
    out["survey_age_days"] = out["survey_age_days"].astype(int)
    for col in score_cols:
        if how == "latest" and out[col].notna().all() and (out[col] % 1 == 0).all():
            out[col] = out[col].astype(int)
    front = [customer_id, *score_cols, "n_surveys", "last_survey_date", "survey_age_days",
             "churned", "duration_days", "tenure_months"]
    rest = [c for c in out.columns if c not in front]
    out = out[front + rest].reset_index(drop=True)
    excluded = pd.concat(pieces, ignore_index=True) if pieces else empty_excluded()
    return RetentionData(
        data=out, window_start=t0, window_end=t1, how=how,
        n_customers=len(cohort), n_matched=int(matched.sum()),
        n_unmatched=int((~matched).sum()), n_surveys_used=len(usable),
        n_lookahead=int(lookahead.sum()), n_not_in_cohort=int((~at_risk).sum()),
        n_orphan_surveys=int(orphan.sum()), unmatched=unmatched, excluded=excluded)


_GROUPS: dict[str, tuple[list[float], list[str]]] = {
    "0-10": ([-0.5, 6.5, 8.5, 10.5], ["detractor (0–6)", "passive (7–8)", "promoter (9–10)"]),
    "1-5": ([0.5, 2.5, 3.5, 5.5], ["low (1–2)", "neutral (3)", "high (4–5)"]),
    "1-7": ([0.5, 3.5, 4.5, 7.5], ["low (1–3)", "neutral (4)", "high (5–7)"]),
}


def satisfaction_group(values: Any, *, scale: Literal["auto", "0-10", "1-5", "1-7"] = "auto",
                       column: str | None = None) -> pd.Series:
    """Satisfaction scores → an ordered categorical of three groups.

    Parameters
    ----------
    values : Series or array-like
        Scores; missing values stay missing.
    scale : {"auto", "0-10", "1-5", "1-7"}, default "auto"
        ``"0-10"``: NPS categories detractor (0–6), passive (7–8), promoter (9–10);
        ``"1-5"``: low (1–2), neutral (3), high (4–5); ``"1-7"``: low (1–3), neutral (4),
        high (5–7). ``"auto"`` picks ``"1-5"`` when every score is within 1–5, else
        ``"1-7"`` within 1–7, else ``"0-10"``. A mean of several answers falls into the
        group its value rounds to.

    Returns
    -------
    Series of ordered category.

    Examples
    --------
    >>> satisfaction_group([0, 7, 9, 10]).tolist()
    ['detractor (0–6)', 'passive (7–8)', 'promoter (9–10)', 'promoter (9–10)']
    >>> satisfaction_group([1, 3, 5]).tolist()
    ['low (1–2)', 'neutral (3)', 'high (4–5)']
    """
    check_choice("scale", scale, SATISFACTION_SCALES)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    name = column or (str(series.name) if series.name is not None else None)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() & series.notna()
    if bad.any():
        raise DataValidationError(f"{int(bad.sum())} value(s) not a number", column=name,
                                  rows=list(series.index[bad]), values=list(series[bad]))
    present = numeric.dropna()
    if scale == "auto":
        if present.between(1, 5).all():
            scale = "1-5"
        elif present.between(1, 7).all():
            scale = "1-7"
        else:
            scale = "0-10"
    edges, labels = _GROUPS[scale]
    lo, hi = edges[0] + 0.5, edges[-1] - 0.5
    outside = ~numeric.between(lo, hi) & numeric.notna()
    if outside.any():
        raise DataValidationError(f"{int(outside.sum())} value(s) outside {lo:g}–{hi:g}",
                                  column=name, rows=list(series.index[outside]),
                                  values=list(series[outside]))
    groups = pd.cut(numeric.round(), bins=edges, labels=labels, ordered=True)
    return pd.Series(groups, index=series.index, name="satisfaction_group")


def sample_retention_data(*, how: Literal["latest", "mean"] = "latest") -> RetentionData:
    """The bundled sample customers and surveys, joined over `SAMPLE_WINDOW`.

    Examples
    --------
    >>> sample_retention_data().data.shape
    (1248, 17)
    """
    from kpitools.datasets import load_customers, load_surveys

    joined = join_satisfaction(load_customers(), load_surveys(), window_start=SAMPLE_WINDOW[0],
                               window_end=SAMPLE_WINDOW[1], how=how)
    return joined


def load_retention_data(
    data_path: str | os.PathLike[str] = "",
    *,
    satisfaction: str = "nps",
    window_start: Any = None,
    window_end: Any = None,
    how: Literal["latest", "mean"] | None = None,
    scale: Literal["auto", "0-10", "1-5", "1-7"] = "auto",
) -> RetentionData:
    """Load the data of a retention study, whatever its shape, in one call.

    Parameters
    ----------
    data_path : str or path, default ""
        ``""``: the bundled sample data, joined with `join_satisfaction`; a folder with
        ``customers.csv(.gz)`` and ``surveys.csv(.gz)``: read with
        `kpitools.datasets.read_service_data` and joined the same way; a ``.csv`` file: one
        row per customer that already holds satisfaction and the outcome (such as the IBM
        Telco churn data), read as is (the literal text ``None`` is kept as text and empty
        cells become missing).
    satisfaction : str, default "nps"
        The satisfaction column; `satisfaction_group` adds ``satisfaction_group`` from it.
    window_start, window_end, how : default None
        The outcome window and the survey summary, for a folder or the sample data (see
        `join_satisfaction`); None: `SAMPLE_WINDOW` and ``"latest"``. A CSV file already
        holds the outcome per customer, so they do not apply to it: giving one raises
        `TypeError`.
    scale : {"auto", "0-10", "1-5", "1-7"}, default "auto"
        Scale of ``satisfaction`` for the groups.

    Returns
    -------
    RetentionData

    Examples
    --------
    >>> study = load_retention_data("", satisfaction="nps")
    >>> study.data["satisfaction_group"].value_counts().sort_index()
    satisfaction_group
    detractor (0–6)    205
    passive (7–8)      509
    promoter (9–10)    534
    Name: count, dtype: int64
    """
    path = Path(data_path) if str(data_path) else None
    if path is not None and path.is_file():
        given = [name for name, v in (("window_start", window_start),
                                      ("window_end", window_end), ("how", how)) if v is not None]
        if given:
            raise TypeError(f"load_retention_data: {', '.join(given)} apply to a folder of "
                            f"customers and surveys; {str(data_path)!r} is one table per "
                            "customer that already holds the outcome, so leave them out")
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        require_columns(frame, [satisfaction], what="load_retention_data")
        result = RetentionData(
            data=frame, window_start=None, window_end=None, how="table",
            n_customers=len(frame), n_matched=len(frame), n_unmatched=0, n_surveys_used=0,
            n_lookahead=0, n_not_in_cohort=0, n_orphan_surveys=0, source="table")
    else:
        from kpitools.datasets import read_service_data

        if path is not None and not path.is_dir():
            raise FileNotFoundError(f"data_path {str(data_path)!r} is neither a CSV file nor "
                                    "a folder")
        tables = read_service_data(None if path is None else path)
        result = join_satisfaction(
            tables.customers, tables.surveys,
            window_start=SAMPLE_WINDOW[0] if window_start is None else window_start,
            window_end=SAMPLE_WINDOW[1] if window_end is None else window_end,
            how="latest" if how is None else how)
        require_columns(result.data, [satisfaction], what="load_retention_data")
    data = result.data.copy()
    data["satisfaction_group"] = satisfaction_group(data[satisfaction], scale=scale,
                                                    column=satisfaction)
    return RetentionData(**{**{f: getattr(result, f) for f in result.__dataclass_fields__},
                            "data": data})


def _sha256_of(path: Path | None) -> str:
    if path is None:
        from kpitools.datasets import fingerprint

        return fingerprint(None)
    if path.is_dir():
        from kpitools.datasets import fingerprint

        return fingerprint(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def research_provenance(data_path: str | os.PathLike[str],
                        parameters: dict[str, Any]) -> pd.DataFrame:
    """Provenance of a research run: kpitools version, the data and its SHA-256, parameters.

    The SHA-256 is of the file's bytes for a CSV, and `kpitools.datasets.fingerprint` (over
    the table files) for a folder or the bundled sample data.

    Examples
    --------
    >>> table = research_provenance("", {"satisfaction": "nps"})
    >>> table["item"].tolist()
    ['kpitools version', 'data', 'data SHA-256', 'parameter satisfaction']
    """
    from kpitools.core.version import __version__

    path = Path(data_path) if str(data_path) else None
    rows = [
        ("kpitools version", __version__),
        ("data", "bundled sample data" if path is None else str(path)),
        ("data SHA-256", _sha256_of(path)),
    ]
    rows += [(f"parameter {k}", repr(v)) for k, v in parameters.items()]
    return pd.DataFrame(rows, columns=["item", "value"])
